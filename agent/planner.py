"""The offline sensei's planner: a question in English or Japanese → the tool calls and knowledge that answer it.

No model is asked, nothing is sent anywhere. `plan` reads a question in three steps:

    1. literals, by rules (agent/planner_reading.py, once agent/spelling.py has read the learner's
       spelling as ours): quoted sentences and tokens, code, pasted messages, model names, layer/head
       numbers (ordinals are 1-based: 「3層目」 is layer=2), yes/no choices (annotate, exclude_special, words)
    2. meaning, by a sentence encoder (agent/meaning.py): which tool card or knowledge entry the
       question is closest to (which tool, agent/planner_tool.py; which entries, agent/planner_knowledge.py);
       when nothing is close, ask back with the nearest candidates
    3. calls, from the chosen card's slots (agent/slots.py): what the question says, else what the
       conversation remembers (agent/context.py), else the card's defaults; the interpretation says which

A question is first read against the conversation (agent/planner_conversation.py: the first sentence, the
first figure, the next layer, an edited expression); views named in it are found by agent/naming.py,
whether it asks for a figure or about a concept by agent/asking.py, and which cards take its choices by
agent/fitting.py.

Generic: no tool is named here; everything about a tool comes from its card.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from agent import asking
from agent import fitting as fit
from agent import planner_conversation as conversation
from agent import planner_knowledge as concepts
from agent import planner_quotes as literal
from agent.cards import Card, cards
from agent.context import VIEW_FLAGS, Context, with_text
from agent.meaning import (
    KNOWLEDGE_MIN,
    SHOWN_CONCEPT_MIN,
    Match,
    mask_literals,
    meaning_index,
    weak,
)
from agent.naming import bare, named_views, only_named
from agent.planner_reading import Reading, only_words_quoted, read
from agent.planner_tool import SHOW_THAT, only_a_sentence_to_try, views_named_in, which_tool
from agent.question_form import INSTEAD, asks_to_see, detect_language
from agent.slots import DEFAULT_TEXT, PlannedCall, card_calls
from agent.spelling import spelled, standard
from agent.unquoted import CANONICAL_EXPRESSION
from prompts import Language, knowledge

__all__ = ["Language", "PlannedCall", "Plan", "detect_language", "plan", "DEFAULT_TEXT", "CANONICAL_EXPRESSION"]

# the code of the figure shown asked for ("I need the code for that one", "this one's code", 「この図のコード」)
_CODE_OF_THE_SHOWN = re.compile(r"\bcode\s+(?:for|of|behind)\s+(?:that|this|it)\b"
                                r"|\b(?:that|this)\s+(?:one'?s\s+)?code\b"
                                r"|(?:この|その|さっきの|これの|それの)(?:図の|グラフの)?コード", re.I)
# an expression that only picks a layer ("attentions[3]"), and a question of what something is or gives
_A_LAYER_ONLY = re.compile(r"(?:\w+\.)?attentions\s*\[\s*(-?\d+)\s*\]")
_ASKS_WHAT = re.compile(r"\b(?:what|which|how|why)\b|何|なに|どう|なぜ|なんで", re.I)
# ... or the code alone asked for, after a figure ("give me the code", 「コードもほしいです」)
_CODE_ASKED = re.compile(r"\b(?:give|send|share)\s+(?:me\s+|us\s+)?(?:the\s+)?(?:python\s+)?code\b"
                         r"|コード(?:も|を)?(?:ほしい|欲しい|ちょうだい|ください|下さい|くれ)", re.I)
# only a pointer and "what is it": "what does this mean?", 「これどういう意味?」 (with nothing before it, it is unknown)
_POINTS_ONLY = re.compile(r"(?:so\s+|and\s+|hmm\W*|wait\W*)?(?:what\s+(?:does|do)\s+(?:this|that|it)\s+mean"
                          r"|what(?:'s|\s+is)\s+(?:this|that|it)|(?:this|that|it)|huh)\W*"
                          r"|(?:えっと|ねえ)?\W*(?:これ|それ|あれ)(?:って|は)?\W*(?:どういう(?:意味|こと)|なに|何|なん)"
                          r"(?:です|でしょう|だろう)?か?\W*")
# "do the same thing for my sentence", 「私の文でも同じことできますか？」: with nothing before, which sentence?
# ... or changes what was shown, or asks for the other one (「ヘッド2に変えたらどう見えるのかな」,
# 「もう一つの方も見れる？」)
_SAME_AS_BEFORE = re.compile(r"\bthe\s+same\s+(?:thing|again)\b|\bdo\s+(?:it|that)\s+again\b|\bsame\s+as\s+before\b"
                             r"|\bthe\s+other\s+(?:one|sentence)\b|\bthe\s+same\s+one\b|同じ(?:こと|事|の|やつ)|もう一(?:度|回)|もう一つの方|もう片方"
                             r"|に(?:変え|替え|切り替え)たら|もういっかい|もう1回", re.I)
# one spot of a figure, told by its place ("the third square from the left", "the weird one in row 2"): with no
# figure drawn, it points at nothing
_A_SPOT = re.compile(r"\b(?:second|third|fourth|fifth|sixth|\d+(?:st|nd|rd|th))\s+"
                     r"(?:square|cell|row|column|bar|panel)s?\s+from\s+the\s+(?:left|right|top|bottom)\b"
                     r"|\bin\s+(?:row|column)\s+\d+\b", re.I)
# ... or begins with what was shown (「さっきのグラフ、もういっかい」, 「それ、数字も書き込んだバージョンで」)
_SHOWN_BEFORE = re.compile(r"^\W*(?:じゃあ|では|で)?\W*(?:さっきの|先ほどの|前の|(?:これ|それ|あれ)"
                           r"(?:[、,をもで]|って))"
                           r"|^\W*(?:(?:and|so|ok|okay|but)\W+)*(?:where|what|who|which)\s+(?:is|does|do|was)\s+"
                           # "where is it looking, though?"
                           r"(?:it|this|that)\s+(?:looking|look|attending|attend|focus(?:ing)?|pointing)\b"
                           r"|\bwhich\s+of\s+(?:the\s+|these\s+|those\s+)?two\b|(?:どっち|どちら)の(?:図|グラフ|ほう|方)"
                           r"|^\W*(?:(?:うーん|えっと|で|じゃあ)\W*)*(?:どっち|どちら)が"
                           r"|^\W*(?:もう(?:ちょっと|少し))?\s*(?:見やすく|読みやすく)|\b(?:clearer|easier\s+to\s+read)\W*$"
                           r"|\bthe\s+one\s+(?:i|you)\s+(?:showed|made|drew|had|sent)\b|(?<!is\s)(?<!are\s)\bthere\W*$"
                           # (a comparison of what? "so how does it compare then??", 「で、比べたらどうなるん？」)
                           r"|^\W*(?:(?:and|so|ok|okay|but|then)\W+)*how\s+(?:does|do|did)\s+(?:it|that|this|they)\s+"
                           r"compare\b(?!\s+(?:to|with)\b)|^\W*(?:(?:で|じゃあ|それで|ほんで)\W*)?比べ(?:たら|ると)\s*どう"
                           r"|^\W*(?:(?:and|now|ok|okay|so)\W+)*(?:that\s+(?:one|figure|chart|plot|graph|heatmap|map)"
                           r"|the\s+(?:previous|last|earlier)\s+(?:one|figure|chart|plot|graph|heatmap|map))\b", re.I)
# a word of a sentence not given ("what does this word attend to?", 「この名前がどこから注目されてるのか見たい」): with
# nothing before, which sentence and which word?
_A_WORD_UNSAID = re.compile(r"\b(?:this|that|a|my)\s+(?:word|name)\b|\b(?:this|that)\s+token\b"
                            r"|(?:この|その|ある)(?:単語|トークン|名前|語)"
                            # ... or a sentence announced and not given ("the heatmap of this sentence:", 「これのヒー
                            # トマップ見せて」 with nothing before)
                            r"|\b(?:this|the\s+following|my)\s+(?:sentence|text)\s*[:：]\s*$"
                            r"|^\W*(?:これ|それ|あれ)の", re.I)
# another sentence or word wanted, none given ("try another sentence then", 「別の文でもやってみてくれる？」,
# 「ほかのトークンからのも見たい」): which one?
_ANOTHER_UNSAID = re.compile(r"\b(?:another|a\s+different|some\s+other|a\s+new|other)\s+"
                             r"(?:sentence|word|token|example)s?\b"
                             r"|(?:別の|べつの|ほかの|他の|違う|ちがう|新しい)(?:文|単語|トークン|例文)(?:から)?(?:で|を|に(?!なる)|の)",
                             re.I)
_GREETING = re.compile(r"^\W*(?:hello|hi|hey|good\s+(?:morning|afternoon|evening)|greetings)\b"
                       r"|^\W*(?:はじめまして|初めまして|こんにちは|こんばんは|おはよう)", re.I)
# only lost, nothing named ("i don't get it", 「うーん、よくわからん」, "something is off with my plot"): with nothing
# before, what are they looking at?
_ONLY_LOST = re.compile(r"(?:\W|_)*(?:(?:うーん|うーむ|んー+|hmm*|hm|ok|so|well)(?:\W|_)*)?"
                        r"(?:(?:よく|なんも|何も|全然|ぜんぜん|さっぱり|まったく)?(?:わから|分から|わかん|分かん)(?:ん|ない|ねー|ねぇ)"
                        r"|i\s+(?:don'?t|do\s+not)\s+(?:get|understand)\s+(?:it|this|anything)(?:\s+at\s+all)?"
                        r"|i'?m\s+(?:so\s+)?(?:lost|confused)|confused"
                        r"|something(?:'s|\s+is)\s+(?:off|wrong|weird)\s+with\s+my\s+(?:plot|figure|chart|code|heatmap|graph))"
                        r"(?:\W|_|ー|〜)*", re.I)
# a wish for a better figure that says in what way nothing ("make it look nicer", "zoom in on the interesting part",
# 「もっといい感じにして」)
_VAGUE_WISH = re.compile(r"\bmake\s+(?:it|this|that)\s+(?:look\s+)?(?:nicer|better|prettier|cooler|clearer)\s*[?!.]*$"
                         r"|\bzoom\s+in\s+on\s+the\s+(?:interesting|important|good|relevant)\s+(?:part|bit|area|region)\b"
                         r"|(?:もっと)?(?:いい|良い|イイ)感じに(?:して|できない|ならない)"
                         r"|もっと(?:かっこよく|格好よく|きれいに|綺麗に|見やすく|わかりやすく|分かりやすく)(?:して|できない|ならない)",
                         re.I)
# a reply that is only thanks, a nod or a sigh ("hmm", "ok thanks!", 「ありがと！」「うーん」): nothing asked
_ONLY_A_NOD = re.compile(r"(?:\W|_)*(?:(?:hmm*|hm|ok(?:ay)?|cool|nice|great|thanks?(?:\s+you)?(?:\s+so\s+much)?|thx|ty"
                         r"|got\s+it|i\s+see|cheers|perfect|awesome|alright|understood|noted|fair\s+enough"
                         r"|(?:that\s+)?makes\s+sense|that\s+help(?:s|ed)"
                         r"|(?:i'?m\s+)?not\s+sure\s+what\s+to\s+(?:try|do|ask|look\s+at)(?:\s+next)?"
                         r"|ありがと(?:う)?(?:ございます|ございました)?|サンキュー?|どうも|うーん|うーむ|んー+"
                         r"|ふむ(?:ふむ)?|へー+|ほー+|なるほど(?:ね)?|了解(?:です|しました)?|わかりました|理解しました|納得(?:です|しました)?"
                         r"|安心しました|すっきりしました|勉強になりました|(?:あとで|後で|今度)?(?:試して|入れて|やって)みます"
                         r"|(?:どうぞ)?(?:よろしく|宜しく)(?:お願い(?:します|いたします|致します))?)"
                         r"(?:\W|_|ー|〜)*)+"
                         # (a bare "?", 「？」「ん？」, "huh?", an emoji alone: nothing to act on)
                         r"|(?:ん|え|へ|あれ|huh|eh|wat|uh|um+)?[?？.…。・!！ー,\s\U0001F300-\U0001FAFF\u2600-\u27BF]+"
                         # (… or not knowing what to ask: "hmm, not sure what else to ask", 「なんて聞けばいいのか…」)
                         r"|(?:\W|_)*(?:(?:hmm*|hm|um+|uh|ok|so|well|sorry|すみません|えっと|うーん)(?:\W|_)*)*"
                         r"(?:i'?m\s+)?(?:not\s+sure|no\s+idea|(?:i\s+)?(?:don'?t|do\s+not)\s+know)\s+what\s+(?:else\s+)?to\s+ask"
                         r"(?:\W+(?:sorry|now|next|anymore|here))*(?:\W|_)*"
                         r"|(?:\W|_)*(?:(?:すみません|えっと|うーん|あの)(?:\W|_|ー|…)*)*(?:なんて|何て|何を|なにを|何)(?:聞けば|きけば|質問すれば)"
                         r"(?:いい|よい)(?:のか|か)?(?:わから(?:ない|ん))?(?:\W|_|ー|…)*", re.I)


@dataclass(frozen=True)
class Plan:
    language: Language
    intent: str  # a tool name, "knowledge", or "ask_back"
    calls: tuple[PlannedCall, ...]
    knowledge: tuple[str, ...]  # ids of prompts.knowledge() entries to include in the answer
    interpretation: tuple[str, ...]  # sentences in `language` saying how the question was read
    suggestions: tuple[Match, ...] = ()  # when asking back: the nearest tools and entries
    context: Context | None = None  # what the conversation remembers once the calls ran
    demonstrates: bool = False  # the calls are a concept's own figure: the answer is the concept, shown
    needs_sentence: bool = False  # asking back: the learner spoke of their own sentence without writing it
    small_talk: bool = False  # asking back: a greeting, thanks or a nod, nothing asked; what would they like to see?
    thanked: bool = False  # ... and the small talk thanks the sensei
    needs_head: bool = False  # asking back: one head of the grid shown asked for, unsaid which

    def lists_the_views(self) -> bool:
        """The answer goes on with the menu of views: one of its entries is a menu ("How can I visualize it?")."""
        return any(knowledge()[entry].menu for entry in self.knowledge if entry in knowledge())


def plan(question: str, context: Context | None = None, session_text: str | None = None) -> Plan:
    """Read a learner's question against the conversation so far.

    `session_text` is the sentence the tools' session holds (tools reuse it when `text` is omitted).
    """
    context = context or Context()
    question = conversation.the_sentence_replied(standard(question), context)
    reading = read(question, context.text)
    # (read before the conversation fills in its sentences: 「これ、先輩が見せてくれた図とも比べたい」 gives none)
    elsewhere = concepts.from_elsewhere(reading, context.texts)
    context = conversation.resolve(reading, context)
    pasted = concepts.pasted_messages(question)
    pasted_error = bool(pasted) or bool(literal.ERROR_LINE.search(question))
    if reading.colon_sentence and pasted_error:  # "my cell dies with this: RuntimeError: …" pastes no sentence
        reading.sentences, reading.colon_sentence = [], False
    if pasted:  # a message quoted (「「You need to install fugashi…」って出ます」) is no sentence to analyse either
        reading.sentences = [sentence for sentence in reading.sentences if not concepts.pasted_messages(sentence)]
    terms = [text for text in reading.sentences if concepts.a_term(text)]
    if terms and len(terms) == len(reading.sentences) and not reading.colon_sentence:
        # "what 'entropy' signifies", "this 'grouped-query attention'", "the '##' marks": a term quoted, not a sentence
        reading.sentences, reading.plain = [], " ".join([reading.plain, *(term.lower() for term in terms)])
    if reading.colon_sentence:  # an unquoted sentence ("… from this: She said …") is masked like a quoted one
        question = question.replace(reading.sentences[0], '"…"')
    if pasted_error and reading.expression_bare:  # code inside a pasted error is what failed, not a request
        reading.expression = reading.expression_term = None
    if reading.expression_bare and asking.GENERAL.search(reading.plain):
        reading.expression = None  # "What happens, in general, if you average over dim=0?": the idea, not a run
    if reading.expression_bare and reading.mean_heads and asking.THE_POSTS_WAY.search(reading.plain):
        reading.expression = None  # "average all the heads like he did with torch.mean": the mean, drawn
    if reading.expression is not None and (layer := _A_LAYER_ONLY.fullmatch(reading.expression)) \
            and not _ASKS_WHAT.search(reading.plain) \
            and (asks_to_see(reading.plain) or context.tool in cards() and cards()[context.tool].figure):
        # "plot attentions[3] head 7 for '…'", "cool, same thing for attentions[-1]": a layer, picked as in code
        reading.layers, reading.expression = reading.layers or [(int(layer[1]), layer[0])], None
    # a view the question turns down ("like the heatmap but …", "not the line chart") means nothing
    meant = spelled(question)
    for phrase in reading.turned_down:
        if views_named_in(phrase):
            meant = meant.replace(phrase, " ")
    named = asking.asked_views(named_views(list(cards().values()), reading), reading, context)
    if not named and (picked := conversation.view_picked(reading, context)) is not None:
        named = [picked]  # "the second one", 「3つ目のも」 after the menu of views: that view
    whole, parts = _by_meaning(meant, reading, context, bool(named))
    asks_tool = asking.asks_for_a_tool(question, reading, context, whole, parts, named) \
        or context.offered is not None and context.tool is None and bool(SHOW_THAT.search(reading.plain))
    matches = _merged(whole, parts)
    to_see = asks_to_see(mask_literals(question))
    if not pasted_error and not reading.sentences and not named and reading.expression is None and not to_see:
        if _GREETING.search(reading.plain) and not asking.WH_START.search(reading.plain) and "?" not in reading.plain \
                or _ONLY_A_NOD.fullmatch(reading.plain.strip()) or _closing(reading):
            # "hello! just finished reading the post", 「はじめまして」, 「ありがと！」, "ok that's all for today,
            # thanks a lot": what would they like to see (next)?
            return Plan(reading.language, "ask_back", (), (), (), context=context, small_talk=True,
                        thanked=bool(_THANKS.search(reading.plain)))
        if asks_tool and concepts.SPEAKS_OF_A_MESSAGE.search(reading.plain):
            asks_tool = False  # 「モデルを読み込んだら警告が出たんですけど」: a message spoken of, nothing to draw
    if context.tool is not None and _VAGUE_WISH.search(reading.plain) and not any(card.figure for card in named) \
            and not reading.sentences and not reading.models and not fit.changes_the_view(reading):
        # "can you make it look nicer?", 「もっといい感じにして」: how? (the scale, the numbers, no special tokens)
        return Plan(reading.language, "ask_back", (), (), (), suggestions=tuple(matches[:3]), context=context)
    if conversation.one_panel_unsaid(reading, context):  # "can I see one of those bigger?": which head?
        return Plan(reading.language, "ask_back", (), (), (), context=context, needs_head=True)
    view_named = next((card.tool for card in named if card.figure), None)  # offered when its sentence is asked for
    # (… unless what it is for is a change of the figure's form: 「先輩のスライドと揃えたいから色の上限を0.5にして」)
    if not pasted_error and elsewhere and not (context.tool is not None and _sets_the_form(reading)) \
            and (not asking.WHY_ANYWHERE.search(reading.plain) or concepts.looks_different(reading)) \
            and not concepts.SPEAKS_OF_A_MESSAGE.search(reading.plain):  # (a message spoken of is asked for first)
        # "can you make the one my professor showed in class", 「友達から送られてきた図と比べて」: its sentence, please
        # (a view it names is offered: the sentence given next is drawn that way)
        return Plan(reading.language, "knowledge", (), (concepts.ELSEWHERE_ENTRY,), (),
                    context=replace(context, offered=view_named))
    words_of_it = conversation.words_of_it_unsaid(reading, question)
    if context.text is None and context.question is None and not pasted_error and reading.expression is None \
            and (asks_tool or not concepts.SPEAKS_OF_A_MESSAGE.search(reading.plain)) \
            and (bare(reading) and not reading.sentences and not reading.models and not reading.new_tokens
                 or _POINTS_ONLY.fullmatch(reading.plain.strip()) or _ONLY_LOST.fullmatch(reading.plain.strip())
                 or _points_at_nothing(reading, named) and not _a_concept_named(reading, named)
                 and not _why_of_their_own(reading, asks_tool, whole)
                 or asks_tool and not reading.sentences and bool(_A_WORD_UNSAID.search(reading.plain))
                 # "what does 'it' look at most?", 「この文の『それ』って何を見てるの？」: in which sentence?
                 or asks_tool and words_of_it):
        # 「あれ見せて」, "and head 4?", 「数値なしで」, 「これどういう意味?」, "the same for my sentence" with nothing
        # before it: which sentence, which view, what is "this"?
        needs_sentence = not reading.sentences and bool(conversation.MY_SENTENCE.search(reading.plain) or words_of_it)
        # (the view asked for waits for the sentence: "can you make a heatmap of my sentence?", then the sentence)
        waits = needs_sentence and view_named is not None
        return Plan(reading.language, "ask_back", (), (), (), suggestions=tuple(matches[:3]),
                    context=replace(context, offered=view_named) if waits else context, needs_sentence=needs_sentence)
    if context.text is not None and not reading.sentences and not pasted_error and view_named is None \
            and not reading.models and conversation.MY_SENTENCE.search(reading.plain) \
            and only_a_sentence_to_try(reading):
        # "can I use my own sentence?", 「自分の文でもできますか？」 in a conversation: which one? (then the view shown)
        return Plan(reading.language, "ask_back", (), (), (), context=context, needs_sentence=True)
    if asks_tool and context.text is not None and not reading.sentences and reading.query is None \
            and reading.key is None and _ANOTHER_UNSAID.search(reading.plain):
        needs_sentence = not re.search(r"word|token|単語|トークン", reading.plain)
        return Plan(reading.language, "ask_back", (), (), (), suggestions=tuple(matches[:3]), context=context,
                    needs_sentence=needs_sentence)
    if asks_tool and named and reading.expression is None and reading.earlier_figure is None \
            and not INSTEAD.search(reading.plain) and not (context.tool and fit.changes_the_view(reading)) \
            and all(only_named(card, reading) or _second_wanted(card, reading) for card in named) \
            and not any(fit.needs_met(card, reading, context, named=True) or fit.continues_pair(card, context)
                        for card in named):
        # "compare them", 「比べたいんですけど」 with nothing to compare: which sentences or models?
        first = [m for m in matches if m.label in {f"tool:{card.tool}" for card in named}]
        return Plan(reading.language, "ask_back", (), (), (), suggestions=tuple(first + matches)[:3], context=context)
    asked = asks_tool or reading.expression
    # "why is dim=0 wrong there?": the concept, with the expression run to show it
    asked_why = bool(reading.expression_bare and (asking.WHY.search(reading.plain) or asking.about_something(reading)))
    card, tool_score = which_tool(reading, matches, context, named, whole) if asked else (None, 0.0)
    if not named and not reading.sentences and context.tool in cards() \
            and (card is not None and _CODE_OF_THE_SHOWN.search(reading.plain)
                 or cards()[context.tool].figure and _CODE_ASKED.search(reading.plain)
                 and not asking.WHY_ANYWHERE.search(reading.plain)):
        # "I need the code for that one", "and give me the code so I can put it in the handout", 「これ、配布用にコード
        # もほしいです」: the figure shown, which comes with its script
        card = cards()[context.tool]
    if pasted_error and not (reading.expression and not reading.expression_bare) \
            and not concepts.asked_beside(question):
        card = None  # a pasted error or warning asks what it means, not for a figure ("… just draw it" does)
    # "… threw a long red message at me when I ran the heatmap code, what do I do": which message? (no figure)
    message_untold = not pasted_error and concepts.what_to_do_about_a_message(reading) and not to_see \
        and not reading.sentences
    if message_untold:
        card = None
    asked_parts = tuple(p[0].name for p in parts if p[0].kind == "knowledge" and p[0].score >= KNOWLEDGE_MIN)
    # (a follow-up that only changes a choice or the sentence, "what about 'The dog ate fish' instead?", asks
    # nothing beside its figure)
    beside = 0.0 if asked_why else 1.0 if card is not None and bare(reading) else tool_score
    # (「コードも」, "thank you! last: the code for the umbrella one" after a figure: that figure's code, first)
    entries = (concepts.shown_in_few_words(reading, context.text) if context.tool else ()) \
        or concepts.entries(reading, matches, pasted, asked_parts, card, beside, pasted_error, context.tool) \
        or concepts.about_the_view(question, context, card) \
        or (() if asks_tool else tuple(entry for c in named for entry in c.knowledge[:1])) \
        or concepts.shown_in_few_words(reading)
    # (… and a message only spoken of, when the entry closest names none of its words: "now matplotlib is yelling at
    # me about something else")
    spoken_of = card is None and not pasted_error and bool(entries) \
        and concepts.unnamed_message(knowledge()[entries[0]], reading)  # (speaks of one, tells none of its words)
    if spoken_of or message_untold and (not entries or not concepts.told(knowledge()[entries[0]], reading)):
        entries = tuple(m.name for m in matches if m.kind == "knowledge" and knowledge()[m.name].asks_back)[:1] \
            or entries  # (the entry that asks for the message's text, however far by meaning)
    shown_by = next((entry for entry in entries if concepts.demonstrated(knowledge()[entry], question)), None) \
        if card is None else None
    if shown_by is not None:  # "can I get the code for that chart?": the entry its figure answers comes first
        entries = (shown_by, *(entry for entry in entries if entry != shown_by))
    demonstrates = card is None and shown_by is not None and not pasted_error and not message_untold
    if demonstrates:  # its figure is the answer: the conversation's view when it is one of the entry's
        shown = knowledge()[entries[0]].tools
        asked_view = next((card.tool for card in named if card.tool in shown), None)  # "the code for the flat one"
        card = cards()[asked_view or (context.tool if context.tool in shown else shown[0])]
        tool_score = KNOWLEDGE_MIN
    demonstrates = demonstrates or card is not None and asked_why and bool(entries)
    if card is None:
        if entries:
            related = {tool for entry in entries for tool in knowledge()[entry].tools if tool in cards()}
            # the related tool named or closest to the question, offered to a conversation with no view yet; with a
            # view, only a request that points at what was explained takes it ("show me that for this sentence")
            offered = next((card.tool for card in named if card.tool in related), None) \
                or next((m.name for m in matches if m.kind == "tool" and m.name in related), None)
            return Plan(reading.language, "knowledge", (), entries, (),
                        context=_with_sentence_spoken_of(replace(context, offered=offered), reading))
        said = concepts.said_keyword(reading) if not asks_tool or not fit.sets_a_slot(reading) else None
        if said is not None and not pasted_error and concepts.unnamed_message(knowledge()[said], reading):
            said = None  # 「警告が出たんですが」 says the warning entry's keyword, not which warning
        if said is None and not pasted_error and concepts.SPEAKS_OF_A_MESSAGE.search(reading.plain):
            # 「警告みたいなのが赤字で出たんだけど…」: which message? the entry that asks for its text
            said = next((m.name for m in matches if m.kind == "knowledge" and knowledge()[m.name].asks_back), None)
        if said is None and (context.tool is not None or asking.only_the_idea(reading)) and not pasted_error \
                and asking.about_something(reading):
            # in a conversation, a question about what was shown goes to the closest concept, however weak
            # ("if 'it' leans towards 'street' in the second one, does that mean BERT resolved the pronoun?"), and so
            # does one that says it wants only the idea ("…, would the row of 'sat' change? Asking conceptually.")
            said = next((m.name for m in matches if m.kind == "knowledge" and m.score >= SHOWN_CONCEPT_MIN
                         and not knowledge()[m.name].asks_back), None)
        if said is not None:  # nothing close by meaning, but a topic named in its own words ("query, key and value")
            return Plan(reading.language, "knowledge", (), (said,), (), context=context)
        return Plan(reading.language, "ask_back", (), (), (), suggestions=tuple(matches[:3]), context=context)
    calls, lines, after = card_calls(card, reading, context, session_text)
    entries = tuple(dict.fromkeys((*entries, *card.knowledge)))[:concepts.MAX_KNOWLEDGE]
    return Plan(reading.language, card.tool, calls, entries, tuple(lines), context=after, demonstrates=demonstrates)


def _second_wanted(card: Card, reading: Reading) -> bool:
    """A view of two sentences or models asked for, neither given, and no question asked of it: "i want to compare
    two sentences", 「2つ比べたいんだけど」 (not "what do the red cells mean in a comparison of two sentences?")."""
    return bool(card.needs_any) and set(card.needs_any) <= {"sentence_b", "model_b"} and not fit.sets_a_slot(reading) \
        and not _ASKS_OF_IT.search(reading.plain)


_ASKS_OF_IT = re.compile(r"\b(?:what|how|which|why|where|when)\b|何|なに|どう|なぜ|なんで|どれ|どこ|いつ", re.I)


def after_turn(context: Context, planned: Plan, question: str, ran: bool,
               refused: frozenset[str] = frozenset()) -> Context:
    """What the conversation remembers once a planned turn is over: the plan's memory when its calls ran
    (`ran`: at least one succeeded); when they all failed, the view and sentence asked for, without the
    failed choices (only those `refused`, when the tools said which); else only the tool a concept answer
    offered; and the question."""
    if planned.context is not None and ran:
        context = planned.context
    elif planned.context is not None and not planned.calls:  # (and a sentence the question was about)
        context = replace(context, offered=planned.context.offered, text=planned.context.text,
                          texts=planned.context.texts)
    elif planned.context is not None:  # every call failed ("head 7" of a 4-head model): what was asked stays the
        asked = planned.context  # subject, so 「じゃあヘッド3で」 redraws that view of that sentence; the failed
        text = asked.text if asked.text and asked.text.strip() else context.text  # choices are not kept
        context = replace(context, text=text, tool=asked.tool, offered=None)
        if refused:  # "layer 30 head 4" refused for its layer: "argh, layer 29" keeps head 4
            context = replace(context, model=asked.model,
                              choices={key: value for key, value in asked.choices.items() if key not in refused})
    # (the menu stays while views are drawn: "the second one", "from 'brother'", then "now the third one")
    menu = planned.lists_the_views() if not planned.calls else context.menu
    return replace(context, question=question, menu=menu, awaits_sentence=planned.needs_sentence)


def _with_sentence_spoken_of(context: Context, reading: Reading) -> Context:
    """A concept asked about one sentence of the learner's ("Does attention get sharper in the deeper layers of
    'Reading books broadens the mind'?"): that sentence is the conversation's, for the figure asked next; not a
    word or phrase in quotes, nor a sentence given as an example."""
    if len(reading.sentences) != 1 or asking.EXAMPLE.search(reading.plain):
        return context
    sentence = reading.sentences[0]
    if len(sentence.split()) < 3 if sentence.isascii() else len(sentence) < 6 and "。" not in sentence:
        return context
    return replace(context, text=sentence, texts=with_text(context.texts, sentence))


# --- step 2: by meaning, and what asks back (nothing pointed at, small talk) -------------------------


def _by_meaning(question: str, reading: Reading, context: Context, names_a_view: bool = False
                ) -> tuple[list[Match], list[list[Match]]]:
    """The labels ranked for the whole question and for each clause; a terse reply to a topic ("Macです"
    after the font question) is read together with the question before it, unless it names a view."""
    whole, *parts = meaning_index().matches(question)
    if context.question and weak(whole) and not fit.sets_a_slot(reading) and reading.expression is None \
            and not names_a_view:
        joined = meaning_index().matches(f"{context.question} {question}")[0]
        if joined and joined[0].kind == "knowledge":
            return joined, []
    return whole, parts


def _points_at_nothing(reading: Reading, named: list[Card]) -> bool:
    """Their own sentence, not written; the same thing, the other one or a change, with no view or model named
    ("do the same thing for my sentence", 「もう一つの方も見れる？」): said when nothing came before, it points at
    nothing."""
    if reading.sentences and not (conversation.MY_SENTENCE.search(reading.plain) and only_words_quoted(reading)):
        return False  # (「私の文だと、『it』はどこを一番見てる？」: a word of it, quoted, is no sentence)
    return bool(conversation.MY_SENTENCE.search(reading.plain) or _SHOWN_BEFORE.search(reading.plain)
                or not named and not reading.models and _SAME_AS_BEFORE.search(reading.plain)
                or not reading.sentences and _A_SPOT.search(reading.plain))


def _sets_the_form(reading: Reading) -> bool:
    """The question changes how the figure is drawn (its colour range, numbers, special tokens, words), not what."""
    return reading.color_max is not None or any(getattr(reading, flag) for flag in VIEW_FLAGS)


def _why_of_their_own(reading: Reading, asks_tool: bool, whole: list[Match]) -> bool:
    """A why asked of the learner's own figure, close to one concept ("why are there 8 lines on my plt.plot chart when
    my sentence only has 6 words?"): the concept answers it without their sentence."""
    return not asks_tool and bool(conversation.MY_SENTENCE.search(reading.plain)) \
        and bool(asking.WHY_ANYWHERE.search(reading.plain)) \
        and any(m.kind == "knowledge" and m.score >= KNOWLEDGE_MIN for m in whole[:2])


def _a_concept_named(reading: Reading, named: list[Card]) -> bool:
    """A concept named by its keyword, with no view or sentence of theirs (「さっき言ってた因果マスクってもう一回
    説明して」): it points back at an explanation, which can be given again with nothing before it."""
    return not named and not reading.sentences and not conversation.MY_SENTENCE.search(reading.plain) \
        and concepts.said_keyword(reading) is not None


def _closing(reading: Reading) -> bool:
    """Thanks or a goodbye that asks nothing ("Thank you, now I understand much better", 「ありがと！またくるね」)."""
    said = _PARTING.sub(" ", reading.plain)
    return bool(_THANKS.search(reading.plain)) and not re.search(r"[?？]", reading.plain) \
        and not _ASKS_OF_IT.search(said) and not _STILL_ASKS.search(said) \
        and not fit.sets_a_slot(reading) and len(reading.plain.split()) <= 12 and len(reading.plain) <= 60


_THANKS = re.compile(r"\b(?:thanks?|thank\s+you|thx|ty|bye|goodbye|see\s+you)\b|that'?s\s+all|ありがと|おおきに"
                     r"|助かりました|参考になりました|またくる|また来|お疲れ|おつかれ|さようなら|バイバイ", re.I)
# ... and the words of parting, which ask nothing now ("that's all I need", 「また改めてご相談させてください」)
_PARTING = re.compile(r"\bthat'?s\s+all\s+(?:i|we)\s+(?:need|needed|wanted)\b|\bsee\s+you\s+next\s+time\b"
                      r"|また(?:改めて|あらためて|今度)?(?:ご相談|相談|質問|お願い|来|き)\S*?(?:させて(?:ください|下さい)|ください|下さい|します|ます)"
                      r"|(?:今後とも|引き続き)?(?:よろしく|宜しく)お願い(?:します|いたします|致します)", re.I)
# ... that still asks for something ("thanks! now the code please", 「ありがとう、コードもください」)
_STILL_ASKS = re.compile(r"\b(?:please|pls|plz|can|could|would|show|give|draw|plot|make|(?<!for\s)now|next|also|but"
                         r"|one\s+more|last|want|need)\b|ください|下さい|お願い|おねがい|ちょうだい|ほしい|欲しい|たい|して|見せ|(?<![とてど])も(?!う)|けど"
                         r"|でも|次|最後に", re.I)


def _merged(whole: list[Match], parts: list[list[Match]]) -> list[Match]:
    """Each label at its best score over the whole question and its clauses, best first."""
    best: dict[str, Match] = {}
    for ranked in (whole, *parts):
        for match in ranked:
            if match.label not in best or match.score > best[match.label].score:
                best[match.label] = match
    return sorted(best.values(), key=lambda match: -match.score)
