"""The offline sensei's planner: a question in English or Japanese → the tool calls and knowledge that answer it.

No model is asked, nothing is sent anywhere. `plan` reads a question in three steps:

    1. literals, by rules (agent/planner_reading.py): quoted sentences and tokens, code, pasted
       messages, model names, layer/head numbers (ordinals are 1-based: 「3層目」 is layer=2),
       yes/no choices (annotate, exclude_special, words)
    2. meaning, by a sentence encoder (agent/meaning.py): which tool card or knowledge entry the
       question is closest to (which entries, agent/planner_knowledge.py); when nothing is close, ask back
       with the nearest candidates
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
    ASK_BELOW,
    KNOWLEDGE_MIN,
    SHOWN_CONCEPT_MIN,
    TOOL_MIN,
    Match,
    mask_literals,
    meaning_index,
    weak,
)
from agent.naming import bare, longest_name, named_as_the_form, named_views, names_it, only_named, part_said
from agent.planner_reading import (
    CANONICAL_EXPRESSION,
    INSTEAD,
    JAPANESE,
    SOMETHING_TO_SEE,
    Reading,
    asks_to_see,
    detect_language,
    only_words_quoted,
    read,
    spelled,
    standard,
)
from agent.slots import ALSO_FOR, DEFAULT_TEXT, PlannedCall, card_calls
from prompts import Language, knowledge

__all__ = ["Language", "PlannedCall", "Plan", "detect_language", "plan", "DEFAULT_TEXT", "CANONICAL_EXPRESSION"]

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
_SHOW_THAT = re.compile(r"^\W*(?:(?:ok|okay|so|then|alright|cool)\W+)*(?:(?:can|could)\s+(?:you|u|i)\s+)?"
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
        if _views_named_in(phrase):
            meant = meant.replace(phrase, " ")
    named = asking.asked_views(named_views(list(cards().values()), reading), reading, context)
    if not named and (picked := conversation.view_picked(reading, context)) is not None:
        named = [picked]  # "the second one", 「3つ目のも」 after the menu of views: that view
    whole, parts = _by_meaning(meant, reading, context, bool(named))
    asks_tool = asking.asks_for_a_tool(question, reading, context, whole, parts, named) \
        or context.offered is not None and context.tool is None and bool(_SHOW_THAT.search(reading.plain))
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
            and _only_a_sentence_to_try(reading):
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
    card, tool_score = _tool(reading, matches, context, named, whole) if asked else (None, 0.0)
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


# --- step 2: which tool, which knowledge ------------------------------------------------------------


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


def _few_words(text: str) -> bool:
    """A short message: a pointing request and little else ("can I see them? any sentence is ok")."""
    return len(text.split()) <= 8 if not JAPANESE.search(text) else len(text) <= 30


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


def _only_a_sentence_to_try(reading: Reading) -> bool:
    """Nothing asked but to try a sentence: "can I try my own sentence? 'It rained all day'", 「自分の文で試したい！
    …」."""
    said = bool(_TRY.search(reading.rest) or conversation.MY_SENTENCE.search(reading.rest))
    return said and bare(replace(reading, rest=_FILLER.sub(" ", _TRY.sub(" ", conversation.MY_SENTENCE.sub(
        " ", reading.rest)))))


_TRY = re.compile(r"\b(?:try|tried|test)\b|試し|試す|試して|やってみ|やりたい|確かめ(?:たい|て)"
                  r"|確認(?:したい|して)", re.I)
_FILLER = re.compile(r"\b(?:on|with|like|use|using)\b|でお願い(?:します)?|お願い(?:します)?|たい|[!！]", re.I)


def _tool(reading: Reading, matches: list[Match], context: Context, named: list[Card], whole: list[Match]
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
    points_back = bool(_SHOW_THAT.search(reading.plain))
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
            and _only_a_sentence_to_try(reading) and not fit.unfit(default, reading):
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
    return {tool for phrase in reading.turned_down for tool in _views_named_in(phrase)}


def _views_named_in(phrase: str) -> set[str]:
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


def _merged(whole: list[Match], parts: list[list[Match]]) -> list[Match]:
    """Each label at its best score over the whole question and its clauses, best first."""
    best: dict[str, Match] = {}
    for ranked in (whole, *parts):
        for match in ranked:
            if match.label not in best or match.score > best[match.label].score:
                best[match.label] = match
    return sorted(best.values(), key=lambda match: -match.score)


