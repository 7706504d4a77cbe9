"""Which tool answers a question asked for a tool: literals decide first, then meaning, then the conversation.

`plan` (agent/planner.py) has read the question and decided it asks for a tool (agent/asking.py); `which_tool`
picks the card. Its rules, roughly in order: a view named, if it can take what the question sets (agent/fitting.py);
a model to switch to, for the view shown or to load; the tool a concept answer offered; a literal only one
tool reads (an expression); the closest tool by meaning that takes the question's choices; the view shown,
changed ("now layer 0", 「ヘッド3は?」); the default view for a sentence or a drawing asked with no view named.

Generic: no tool is named here; everything about a tool comes from its card.
"""

from __future__ import annotations

import re
from dataclasses import replace

from agent import asking
from agent import fitting as fit
from agent import planner_conversation as conversation
from agent.cards import Card, cards
from agent.context import VIEW_FLAGS, Context
from agent.meaning import ASK_BELOW, TOOL_MIN, Match, weak
from agent.naming import bare, longest_name, named_as_the_form, names_it, only_named, part_said
from agent.planner_reading import Reading
from agent.question_form import SOMETHING_TO_SEE, asks_to_see
from agent.slots import ALSO_FOR
from agent.spelling import JAPANESE

__all__ = ["which_tool", "views_named_in", "only_a_sentence_to_try", "SHOW_THAT"]

FOLLOW_UP_MARGIN = 0.16  # a follow-up keeps the previous view unless another is named or this much closer
NAME_LEAD = 0.18  # a view named wins unless another tool matches this much closer
DRAW_REACH = 0.08  # a plain "draw …" naming no view is the default view's, unless another tool is this much closer
LONG_NAME = 16  # a name this long says which view, however close another tool is by meaning
FIT_MARGIN = 0.06  # among tools this close to the closest, the one taking the question's choices wins
# how something looks, no view named ("what does head 5 look like for '…'?", 「…の最終層ってどうなってるんだろう」)
_HOW_IT_LOOKS = re.compile(rf"\blooks?\s+like\b|どう見え|{asking.WONDER_HOW}", re.I)
# what the code spoken of really draws ("show me what it actually drew", 「それが実際に何を描いてるのか見せて」)
_WHAT_IT_DREW = re.compile(r"\bwhat\s+(?:it|that|this|plt\.plot|the\s+code)\s+(?:actually\s+|really\s+)?(?:draws|drew"
                           r"|plots|plotted|was\s+(?:actually\s+|really\s+)?(?:plotting|drawing))\b"
                           r"|(?:それ|これ)が?(?:実際に|本当は)?何を(?:描いて|プロットして)", re.I)
# ... or a plain drawing asked, no view named ("draw layer 0 for '…'", 「0層目を描いて」)
_JUST_DRAW = re.compile(r"\b(?:draw|visuali[sz]e)\b|\b(?:show\s+me|plot)\s+(?:the\s+)?attention\b"
                        r"|描いて|描き|可視化|図で", re.I)
# a figure asked for, no view named ("as a picture now", 「図にして」, "draw what … gives"): after numbers or shapes,
# or of an expression, the default view
_AS_A_FIGURE = re.compile(r"\bas\s+an?\s+(?:picture|image|figure|plot|graph|chart|drawing)\b"
                          r"|^\W*(?:\w+\W+){0,4}?(?:a\s+)?(?:picture|image|drawing)\s+of\s+(?:that|it|this|them)\b"
                          r"|\bdraw\s+(?:it|that|this|them|what)\b|\bdraw\s+the\s+\S+\s+(?:version|one|result)\b"
                          r"|(?:図|グラフ|絵)(?:に|で)(?:して|描いて|見せて|出して)?", re.I)
# ... asked for after the expression is explained ("what does … do? After that draw what it gives", 「…説明して。
# そのあと図にも」): the expression first
_FIGURE_AFTERWARDS = re.compile(r"\b(?:after\s+that|afterwards|and\s+then|then)\b[^.?!]{0,20}?\bdraw"
                                r"|(?:そのあと|その後|それから|あとで|後で)[^。？?]{0,10}?(?:図|グラフ|絵)", re.I)
# the several things a comparison shows, pointed at ("head 3 in all of them", "last layer of each", 「それぞれ」)
_EACH_SHOWN = re.compile(r"\b(?:in|for|on|of)\s+(?:all|each|both)(?:\s+of)?\s+(?:them|the\s+(?:models|sentences))\b"
                         r"|\bof\s+each\b|\bin\s+each\b|\bin\s+both\b|\bfor\s+both\b|それぞれ|両方|3つとも|三つとも"
                         r"|どっちも|全部で", re.I)
# no figure wanted, the numbers or words instead ("numbers please, no plot", 「図じゃなくて数字で」)
_NOT_DRAWN = re.compile(r"\bno\s+(?:plot|picture|figure|chart|graph|drawing|heat\s*map)s?\s*(?:[,.!?]|$)"
                        r"|\bnot\s+(?:as\s+)?a\s+(?:plot|picture|figure|chart|graph)\b"
                        r"|図(?:は|じゃなくて|ではなく|ではなくて)(?:数字|数値|いらない|要らない|なし)", re.I)
# the figure shown, drawn again with a change ("please redraw it without the special tokens", 「それ描き直して」)
_THE_SHOWN_AGAIN = re.compile(r"\b(?:re-?draw|re-?do|re-?plot|re-?make|re-?render)\s+(?:it|that|this|the\s+(?:same\s+)?"
                              r"(?:figure|plot|one|picture|map|chart))\b|(?:それ|これ|さっきの(?:図)?)を?(?:描き直|書き直|出し直)",
                              re.I)
# only "show that" ("show me that", 「それ見せて」): the figure on the screen
_ONLY_SHOW_THAT = re.compile(r"(?:ok\W+|so\W+)?(?:show|draw|plot)\s+(?:me\s+)?(?:that|it|this)(?:\s+(?:please|pls))?\W*"
                             r"|(?:じゃあ)?(?:それ|これ)(?:を)?(?:見せて|描いて)(?:ください|下さい)?\W*", re.I)
# a concept explained, now seen on a sentence ("show me that on an actual sentence", 「実際の文で見せて」)
_SHOWN_ON_A_SENTENCE = re.compile(r"\b(?:show|see|picture)\b[^.?!]{0,30}\b(?:on|with|for|in)\s+(?:an?\s+)?"
                                  r"(?:actual|real|concrete)\s+(?:sentence|example|text)\b"
                                  r"|(?:実際の|具体的な|本物の)(?:文|例文|例)(?:で|に)[^。?？]{0,12}?(?:見せ|見たい|見られ|図)",
                                  re.I)
# a request pointing at what was just explained ("show me that for this sentence", "can I see them?", "show me
# one", 「それ、実際に見せて」「実際にやってみせて」)
SHOW_THAT = re.compile(r"^\W*(?:(?:ok|okay|so|then|alright|cool)\W+)*(?:(?:can|could)\s+(?:you|u|i)\s+)?"
                        r"(?:(?:show|let)\s+(?:me\s+)?(?:see\s+)?|see\s+)"
                        r"(?:(?:that|this|it)\b(?!\s+(?:\w+\s+)?again)"
                        r"(?!\s+(?:line|heatmap|map|chart|figure|plot|graph|one|view|grid|page)\b)"
                        r"|(?:them|one|an\s+example)\b"
                        r"(?![\w ]*(?:line|heatmap|map|chart|figure|plot|graph|view|grid|page)))"
                        r"|^\W*(?:じゃあ|では)?\W*(?:それ|これ|そういうの)(?:を|、)?\s*(?:実際に)?(?:見せて|見たい|やって)"
                        r"|^\W*(?:じゃあ|では)?\W*実際に(?:やって|して)?(?:見せて|みせて)",
                        re.I)
# one side of a comparison, alone ("just the second one by itself", "only gemma's side", 「gemmaのほうだけ」)
_ONLY = re.compile(r"\bonly\b|だけ")  # "only the row of 'love' as one line", 「1本の線だけ」
_ALONE = re.compile(r"\b(?:only|just|alone|by\s+itself|on\s+its\s+own|single)\b|だけ|のみ|単独", re.I)
# a model made current, not a view redrawn ("load smollm2", "switch to gemma for the rest of this", 「以降は」,
# 「BERTに切り替えて」, 「英語モデルを使って」)
_LOAD = re.compile(r"\bload\w*|\bswitch\w*|\bswtich\w*|\bswich\w*|\buse\b|\bfor\s+the\s+rest\b|\bfrom\s+now\s+on\b"
                   r"|\bfor\s+everything\b"
                   r"|読み込|よみこ|ロード|以降|今後|これから|切り替え|切りかえ|変更|使っ|使う|使い", re.I)
# the view shown, pointed at ("switch to smollm2 for this", 「これもgemmaで」)
_FOR_THIS = re.compile(r"\b(?<!rest\s)(?:for|on|with|of)\s+(?:this|that|it)"
                       r"(?:\s+(?:one|figure|chart|view|plot|too))?\W*$"
                       r"|この図|その図|^\W*(?:これ|それ)(?:も|で|を)", re.I)
# choices only one tool can take by their nature: a second model or sentence, a token count, an expression
_ONE_TOOLS_CHOICES = {"model_b", "sentence_b", "new_tokens", "expression"}
# the yes/no choices that make a named view give way when it cannot take them ("words" is left out: "by word",
# "the word …" are read as it where no such view is meant)
_FLAGS = set(VIEW_FLAGS) - {"words"}
# choices read from literals (numbers, quoted tokens, models), unlike flags read from words ("with the weights")
_LITERAL_CHOICES = {"head", "sentence_b", "model_b", "new_tokens"}
# a sentence to try ("can I try my own sentence?", 「自分の文で試したい」), and the words around it that ask nothing
_TRY = re.compile(r"\b(?:try|tried|test)\b|試し|試す|試して|やってみ|やりたい|確かめ(?:たい|て)"
                  r"|確認(?:したい|して)", re.I)
_FILLER = re.compile(r"\b(?:on|with|like|use|using)\b|でお願い(?:します)?|お願い(?:します)?|たい|[!！]", re.I)


def which_tool(reading: Reading, matches: list[Match], context: Context, named: list[Card], whole: list[Match]
               ) -> tuple[Card | None, float]:
    """The card to run and its score; literals decide first, then meaning, then the conversation."""
    every = cards()
    if _NOT_DRAWN.search(reading.plain):  # "which tokens get the most attention? numbers please, no plot"
        named = [card for card in named if not card.figure]
        matches = [m for m in matches if m.kind != "tool" or not every[m.name].figure]
    met = [card for card in named
           if fit.needs_met(card, reading, context, named=True) or fit.continues_pair(card, context)]
    default = next((card for card in every.values() if card.default), None)
    if default is not None and not named and SOMETHING_TO_SEE.search(reading.plain) and not fit.unfit(default, reading):
        return default, TOOL_MIN  # "idk just show me smth", 「なんか見せて」: a first look, in the usual view
    if named and not met and (len(reading.layers) > 1 or len(reading.heads) > 1) and default is not None \
            and not fit.unfit(default, reading):
        return default, TOOL_MIN  # 「1層目と最終層を比べたい」: two layers of one sentence, each in the usual view
    named = met
    # a yes/no choice asked for that a named tool cannot take is another view's: "write the actual numbers inside
    # the squares" annotates the map, though "actual numbers" names the printed matrix
    named = [card for card in named if not fit.unfit_choices(card, reading) & _FLAGS]
    # "the role of each head": the role table, which outranks the grid of "each head" (unless it cannot take a
    # choice the grid takes: 「第6層のヘッドを全部並べて」 after a word on roles)
    named = [card for card in named if not any(card.tool in other.outranks
                                               and fit.unfit(other, reading) <= fit.unfit(card, reading)
                                               for other in named)]
    as_the_form = [card for card in named if named_as_the_form(card, reading)]
    named = as_the_form if len(as_the_form) == 1 else named  # "the whole matrix like that as a heatmap"
    views = [card for card in named if card.figure]
    named = views or named  # 「minilmに戻して、さっきと同じヒートマップを」: the view, on that model (no bare switch)
    # (the view shown, turned down, is not gone on with: "forget the generating, …", 「生成はもういいので、…」)
    previous = None if context.tool in _turned_down_views(reading) else every.get(context.tool or "")
    alone = every.get(previous.alone or "") if previous is not None else None
    part = previous is not None and part_said(previous, reading)
    by_itself = conversation.ON_ITS_OWN.search(reading.plain) or _ONLY.search(reading.plain) and not part
    if alone is not None and by_itself and (part or names_it(alone, reading)) and not fit.unfit(alone, reading):
        named = [alone]  # "that one line by itself, bigger" while plt.plot's two panels are shown: that part alone
    elif part:
        named = [previous]  # "with the single line for 'fox'" while plt.plot's two panels are shown: a part of it
    if previous is not None and previous.needs_any and default is not None and not any(c.figure for c in named) \
            and (len(reading.sentences) == 1 or len(reading.models) == 1) and _ALONE.search(reading.plain) \
            and not fit.unfit(default, reading):
        return default, TOOL_MIN  # "just the second one by itself", 「gemmaのほうだけ」 after a comparison
    # a model to load, named or closest ("これ、GPTっぽいモデルだとどうなる？")
    loads = named or [every[m.name] for m in matches if m.kind == "tool"][:1]
    switches = bool(reading.models) and bool(loads) and all(_only_loads(card) for card in loads)
    if switches and previous is not None and not previous.slots and not named:
        return loads[0], TOOL_MIN  # 「minilmにして」 after the list of models: load it
    if len(reading.models) == 1 and not named and _LOAD.search(reading.plain) and not reading.sentences \
            and (previous is None or not previous.figure):
        # "Would you mind switching to the Llama-style one, smollm2?": nothing else asked
        loader = next((card for card in every.values() if _only_loads(card)), None)
        if loader is not None and not fit.unfit(loader, reading):
            return loader, TOOL_MIN
    if switches and previous is not None and (previous.figure or previous.follow_up) \
            and not fit.unfit(previous, reading) \
            and (_FOR_THIS.search(reading.plain) or not _LOAD.search(reading.plain)):
        # "now switch to smollm2 for this", 「BERTに戻して」, 「GPTっぽいモデルだと？」: the view shown, on it
        # (not "load smollm2", which makes it current)
        return previous, TOOL_MIN
    # (「実際に描いてみせて」 after the explanation; not one that cannot take a layer asked; and not when "show it
    # without the special tokens anyway" after a word on the figure shown changes that figure)
    changes_the_shown = previous is not None and previous.figure and fit.changes_the_view(reading)
    points_back = bool(SHOW_THAT.search(reading.plain))
    offered = every.get(context.offered or "")
    if not named and offered is not None and (not weak(matches) or points_back) \
            and not fit.unfit(offered, reading) and fit.needs_met(offered, reading, context) \
            and (context.tool is None or points_back and not changes_the_shown):
        named = [offered]
        if not named[0].figure and default is not None and _SHOWN_ON_A_SENTENCE.search(reading.plain) \
                and not fit.unfit(default, reading):
            named = [default]  # "ok now show me that on an actual sentence: '…'" after what attention is: a picture
        elif points_back and _few_words(reading.plain):
            return named[0], TOOL_MIN  # "can I see them?", 「実際にやってみせて」: what was just explained, shown
    # a view, or a tool that reads the layer an expression indexes (「attentions[2] の中身を数値で」), named instead
    named_instead = [card for card in named if card.figure or "layer" in card.slots.values()
                     and "expression" not in card.slots.values()]
    if reading.expression is not None and not named_instead and default is not None \
            and _AS_A_FIGURE.search(reading.plain) and not _FIGURE_AFTERWARDS.search(reading.plain):
        return default, TOOL_MIN  # "draw what torch.mean(…, dim=1)[0] comes out as": the view of what it picks
    if reading.expression is not None and len(named_instead) == 1 and named_instead[0].figure \
            and (reading.sentences or asks_to_see(reading.plain)) and not fit.unfit(named_instead[0], reading):
        return named_instead[0], TOOL_MIN  # pasted code that draws with ax.bar3d, "do this for '…'": that view
    for card in every.values():  # a literal only one tool reads (an expression) decides, unless one is named instead
        if any(getattr(reading, name, None) for name in card.decisive) and not named_instead:
            return card, 1.0
    # the name against the whole question: a clause that only gives literals ("try 'X' with llama") names no view
    # (only a tool that could run here outranks the name: "Rollout for '…' from layer 0" is no comparison)
    runnable = [m for m in whole if m.kind == "tool" and fit.needs_met(every[m.name], reading, context)]
    best_tool = runnable[0].score if runnable else 0.0
    named_score = max((m.score for m in matches if named and m.label == f"tool:{named[0].tool}"), default=TOOL_MIN)
    # a view named that cannot take a number or token the question sets, when one as close takes them all, gives
    # way to it: 「ヘッド2だけを大きく」 is one head's map, not the grid of heads
    fitter = _closest_fitting(matches, reading, context, named_score - NAME_LEAD) \
        if len(named) == 1 and named[0].figure \
        and fit.unfit_choices(named[0], replace(reading, mean_heads=None)) & _LITERAL_CHOICES else None
    if fitter is not None and previous is not None and previous.figure and not fit.unfit(previous, reading):
        return previous, named_score  # 「ヘッド別にも見たい、ヘッド5」 after a line: that head's line
    if fitter is not None:
        return every[fitter.name], named_score
    # "... as a heatmap", 「折れ線で」, 「ここから先はgemmaで」: the tool named; a view's name can also describe
    # something else ("tag every head with its role"), so a view gives way to a much closer tool, unless it is
    # the conversation's own ("さっきの比較を1層目で")
    # (... and not to one that cannot take a choice the view named takes: "a still image, same head")
    if len(named) == 1 and (not named[0].figure or named_score > best_tool - NAME_LEAD
                            or named[0].tool == context.tool or only_named(named[0], reading)
                            or longest_name(named[0], reading) >= LONG_NAME  # ("one curve per token")
                            or bool(runnable)
                            and fit.unfit(named[0], reading) < fit.unfit(every[runnable[0].name], reading)
                            or bool(named[0].needs_any)):  # "compare the two sentences directly": what it needs is here
        return named[0], named_score
    candidates = [(every[m.name], m.score) for m in matches if m.kind == "tool" and m.score >= TOOL_MIN
                  and fit.needs_met(every[m.name], reading, context)
                  and (not every[m.name].needs_name or every[m.name] in named)]
    among_named = [pair for pair in candidates if pair[0] in named]
    takes_all = [card for card in named if not fit.unfit(card, reading) and fit.needs_met(card, reading, context)]
    if len(takes_all) == 1 and among_named \
            and all(fit.unfit_choices(card, reading) & {"sentence_b", "model_b"} for card, _ in among_named):
        return takes_all[0], named_score  # 「2つ並べてヒートマップで比べて」: the one named that takes both
    if len(named) > 1 and not among_named:  # two views named, neither close by meaning: the longer name
        return max(named, key=lambda card: longest_name(card, reading)), TOOL_MIN
    chosen = _best_fit(among_named or candidates, reading)
    if chosen is not None and not named and fit.unfit_choices(chosen[0], reading) & {"key", "layer", "query"}:
        # (a token pair, a token or a layer the closest cannot take, taken by one a little further, under the minimum:
        # "how does she -> sister evolve over all the layers?", "the flow from layer 3 on", not one layer's summary;
        # "can computers figure out what 'it' refers to? check with '…'", not the heatmap)
        taker = _closest_fitting(matches, reading, context, max(ASK_BELOW, chosen[1] - 2 * FIT_MARGIN))
        chosen = (every[taker.name], taker.score) if taker is not None else chosen
    fitting = fit.fitting(reading)
    if chosen is not None and fit.unfit_choices(chosen[0], reading) & _ONE_TOOLS_CHOICES and len(fitting) == 1 \
            and not named:
        chosen = fitting[0], TOOL_MIN  # 「minilmとgemmaで『…』、第2層」: two models only a comparison takes
    if previous is not None and not named and len(fitting) == 1 \
            and fit.unfit_choices(previous, reading) & _ONE_TOOLS_CHOICES - {"expression"}:
        return fitting[0], TOOL_MIN  # "let it write 6 more" after a line chart: the one tool that generates
    if previous is not None and not previous.figure and not named and default is not None \
            and _AS_A_FIGURE.search(reading.plain) and not fit.unfit(default, reading):
        return default, TOOL_MIN  # "as a picture now, same head" after the numbers of a head
    # a follow-up view, or any tool that takes every choice asked for ('redo that with gemma' after extraction)
    # (a tool that takes nothing is no view to go on with: 「minilmにして」 after the list of models loads it)
    continues = previous is not None and bool(previous.slots) \
        and (previous.follow_up or fit.unfit(previous, reading) == 0)
    if previous is not None and continues and fit.sets_a_slot(reading) \
            and (not reading.sentences or (bare(reading) or ALSO_FOR.search(reading.plain) and not named)
                 and fit.needs_met(previous, reading, context)):
        # "now layer 0", 「ヘッド3は?」, 'do it for "Time flies"': the same tool, changed, unless another is
        # clearly asked for
        kept = next((m.score for m in matches if m.label == f"tool:{previous.tool}"), 0.0)
        left_out = fit.unfit(previous, reading)  # the question's choices the view shown cannot take
        fits_better = left_out < (fit.unfit(chosen[0], reading) if chosen else 99)
        fits_worse = chosen is not None and fit.unfit(chosen[0], reading) < left_out
        # (a choice the view cannot take, which a close tool can, goes to that tool: "'it' looking at 'dog'
        # from bottom to top" after a heatmap)
        default_fits = default is not None and not fit.unfit(default, reading)
        if fits_worse and not default_fits:
            return chosen
        if chosen is None or bare(reading) or fits_better or chosen[1] < kept + FOLLOW_UP_MARGIN \
                or _THE_SHOWN_AGAIN.search(reading.plain) and not named \
                or asking.holds_elsewhere(reading) or bool(previous.needs_any) and _EACH_SHOWN.search(reading.plain) \
                or bool(reading.sentences) and ALSO_FOR.search(reading.plain) and not named:
            # ("is that also the case in layer 0?", 「日本語でも見たい。『…』で」)
            if left_out and default_fits:
                return default, TOOL_MIN  # 「ヘッド2だけ大きく」 after the grid of heads: that head's own map
            # (the closest tool that takes them, when neither does: "Who does 'he' pay the most attention to in
            # that head?" after a heatmap)
            taker = _closest_fitting(matches, reading, context, ASK_BELOW) if left_out else None
            if taker is None and fit.unfit_choices(previous, reading) & {"query", "key", "head"}:
                # (a token or head the view cannot take, however far the tool that takes it: 「celebrated が
                # どこを見てるか、5番目のヘッドで」 after the grid of heads is that head's line)
                taker = _closest_fitting(matches, reading, context, 0.0)
            if taker is not None:
                return every[taker.name], taker.score
            return previous, max(kept, TOOL_MIN)
    shown = previous if previous is not None and previous.figure else every.get(context.offered or "")
    if shown is not None and not named and _WHAT_IT_DREW.search(reading.plain) and not fit.unfit(shown, reading):
        return shown, TOOL_MIN  # "show me what it actually drew, on '…'" after why plt.plot drew many lines: that view
    if previous is not None and previous.figure and _ONLY_SHOW_THAT.fullmatch(reading.plain.strip()):
        return previous, TOOL_MIN  # "show that", 「それ見せて」 after a concept shown with its figure: that figure
    if default is not None and bare(reading) and (fit.changes_the_view(reading) or context.question) \
            and not fit.unfit_choices(default, reading) & {*_ONE_TOOLS_CHOICES, "query", "key"}:
        # (two models given, or a token: not the default; "in the first one, what does 'tasted' look at?" after a
        # comparison is that token's line)
        return default, TOOL_MIN  # "show me head 2 of layer 0" after head roles, 「それを図にして」: the default view
    if default is not None and previous is None and len(reading.sentences) == 1 and not named \
            and only_a_sentence_to_try(reading) and not fit.unfit(default, reading):
        # 「自分の文で試したい！「…」でお願いします」 with no view shown yet: their sentence, in the usual view
        return default, TOOL_MIN
    default_score = next((m.score for m in matches if default is not None and m.label == f"tool:{default.tool}"), 0.0)
    if chosen is not None and not named and default is not None \
            and (_HOW_IT_LOOKS.search(reading.plain)
                 or _JUST_DRAW.search(reading.plain) and default_score >= chosen[1] - DRAW_REACH) \
            and (reading.sentences or context.text) and not fit.unfit(default, reading):
        return default, chosen[1]  # "I wonder what layer 3 looks like for '…'": no view named, the default one
    if chosen is not None:
        return chosen
    if len(fitting) == 1:  # 「…の続きを20トークン」: nothing close by meaning, but a choice only one tool takes
        return fitting[0], TOOL_MIN
    if previous is not None and continues and fit.sets_a_slot(reading) and not fit.unfit(previous, reading):
        return previous, TOOL_MIN  # "Now scramble the word order: 「魚を猫が食べた」": nothing else is close, go on
    if len(named) > 1:  # "score every head for induction": two views named, none close by meaning: the longer name
        return max(named, key=lambda card: longest_name(card, reading)), TOOL_MIN
    best = max((m.score for m in matches), default=0.0)
    best_tool = max((m.score for m in matches if m.kind == "tool"), default=0.0)
    if (reading.sentences or fit.changes_the_view(reading)) and best < ASK_BELOW \
            or reading.sentences and (fit.changes_the_view(reading) or _TRY.search(reading.plain)) \
            and best_tool < TOOL_MIN \
            or reading.sentences and not named and asks_to_see(reading.plain):  # ("show me '…' at layer 2")
        # a bare quoted sentence, or a choice only views take ("without [CLS]"), or either with nothing close by
        # meaning (「<bos>抜きで「…」の関連度を色で、最後の層」, 「「…」って聞いたんですが、"…" で確かめたい」): the
        # default view, or the closest that takes a token it cannot ("plot the row of the 3rd token in layer 1 for '…'")
        taker = _closest_fitting(matches, reading, context, ASK_BELOW) \
            if default is not None and fit.unfit_choices(default, reading) & {"query", "key"} else None
        if taker is not None:
            return every[taker.name], TOOL_MIN
        return default, TOOL_MIN if default else 0.0
    return None, 0.0


def _few_words(text: str) -> bool:
    """A short message: a pointing request and little else ("can I see them? any sentence is ok")."""
    return len(text.split()) <= 8 if not JAPANESE.search(text) else len(text) <= 30


def only_a_sentence_to_try(reading: Reading) -> bool:
    """Nothing asked but to try a sentence: "can I try my own sentence? 'It rained all day'", 「自分の文で試したい！
    …」."""
    said = bool(_TRY.search(reading.rest) or conversation.MY_SENTENCE.search(reading.rest))
    return said and bare(replace(reading, rest=_FILLER.sub(" ", _TRY.sub(" ", conversation.MY_SENTENCE.sub(
        " ", reading.rest)))))


def _only_loads(card: Card) -> bool:
    """A tool that reads a model and nothing else: it makes the model current."""
    return "model" in card.slots.values() and set(card.slots.values()) <= {"model", "strict"}


def _closest_fitting(matches: list[Match], reading: Reading, context: Context, floor: float) -> Match | None:
    """The closest tool by meaning, at least `floor`, that takes every choice the question sets and gets what it
    needs."""
    every = cards()
    return next((m for m in matches if m.kind == "tool" and m.score >= floor and not fit.unfit(every[m.name], reading)
                 and fit.needs_met(every[m.name], reading, context)), None)


def _turned_down_views(reading: Reading) -> set[str]:
    """The tools whose view the question turns down ("not the line chart", "forget the generating")."""
    return {tool for phrase in reading.turned_down for tool in views_named_in(phrase)}


def views_named_in(phrase: str) -> set[str]:
    """The tools one of whose names is inside the phrase."""
    return {card.tool for card in cards().values() if any(name in phrase.lower() for name in card.names)}


def _best_fit(candidates: list[tuple[Card, float]], reading: Reading) -> tuple[Card, float] | None:
    """Among the tools nearly as close as the closest, the one that takes the most of what the
    question sets ("annotate the values" is the heatmap's, not the printed matrix's); a second sentence or model
    left out weighs more than a token (two sentences and a word: the comparison, which shows every token)."""
    if not candidates:
        return None
    # one that takes a choice the closest cannot may be a little further; further still when that choice is a
    # layer the learner numbered ("what does 'chased' look at most in layer 3?" is no summary of the layers)
    left_out = fit.unfit_choices(candidates[0][0], reading)
    reach = 2.5 if "layer" in left_out else 2
    near = [(card, score) for card, score in candidates
            if score >= candidates[0][1] - FIT_MARGIN * (reach if fit.unfit(card, reading) < len(left_out) else 1)]
    return min(near, key=lambda pair: (bool(fit.unfit_choices(pair[0], reading) & _ONE_TOOLS_CHOICES),
                                       fit.unfit(pair[0], reading), -pair[1]))
