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
first figure, the next layer, an edited expression); views named in it are found by agent/naming.py.

Generic: no tool is named here; everything about a tool comes from its card.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from agent import planner_conversation as conversation
from agent import planner_knowledge as concepts
from agent.cards import Card, cards
from agent.context import Context, with_text
from agent.meaning import ASK_BELOW, KNOWLEDGE_MIN, TOOL_MIN, Match, clauses, mask_literals, meaning_index, weak
from agent.naming import bare, longest_name, named_in, named_views, only_named
from agent.planner_reading import (
    CANONICAL_EXPRESSION,
    INSTEAD,
    Reading,
    asks_to_run,
    asks_to_see,
    asks_yes_no,
    detect_language,
    read,
)
from agent.slots import ADDS, DEFAULT_TEXT, PlannedCall, card_calls
from prompts import Language, knowledge

__all__ = ["Language", "PlannedCall", "Plan", "detect_language", "plan", "DEFAULT_TEXT", "CANONICAL_EXPRESSION"]

CONCEPT_GAP = 0.1  # a concept this close behind a tool is what is asked when most near examples are questions
FOLLOW_UP_MARGIN = 0.16  # a follow-up keeps the previous view unless another is named or this much closer
NAME_LEAD = 0.18  # a view named wins unless another tool matches this much closer
FIT_MARGIN = 0.06  # among tools this close to the closest, the one taking the question's choices wins
TOOL_FAR_AHEAD = 0.15  # a yes/no question is still a request when a tool is this much closer than any concept
# a clause that only qualifies another (「…なぜ?BERTなのに」, "… though it's gemma") requests nothing, nor does
# a wish that was (「意味のある単語を見てほしかったのですが。」)
_SUBORDINATE = re.compile(r"(?:のに|けど|けれど|けれども|ので|だから)[?？!！。.]*$"
                          r"|(?:たかった|ほしかった|欲しかった)(?:ん|の)?(?:です|だ)?(?:が|けど|けれど|のに)?[…。.!！]*$"
                          r"|^\s*(?:even\s+)?(?:though|although)\b", re.I)
# a clause that only says how something is (「うーん、見づらい。」) asks for nothing; 「見たい」「ほしい」 do
# ... nor an observation ("hmm, it goes to 'cabinet' more than to 'keys'.", "that's a lot of numbers.")
_STATEMENT_EN = re.compile(r"^\W*(?:(?:hmm+|ok|okay|so|well|wow|oh|interesting|huh)\W+)*"
                           r"(?:it|this|that|there|they|these|those)(?:'s|\s+(?:\w+\s+)?(?:is|are|was|were|goes|go|went"
                           r"|looks?|seems?|has|have|had|puts?|gets?|got|shows?|showed|spreads?|stays?|sits?)\b)", re.I)
# (「…と思います」「…と助かります」「お願いします」 ask politely)
_STATEMENT_JA = re.compile(r"(?:(?<![たし])い|[^てで]た|だ|です|でした|ました"
                           r"|(?<!願いし)(?<!願い致し)(?<!願いいたし)(?<!と思い)(?<!助かり)ます)(?:ね|よ|よね|な)?[…。.!！]*$")
# ... nor what the learner did or thinks of what they saw ("I've been staring at the heatmap", "I plotted …",
# "the heatmap is nice", "… is hard to read")
_TELLS_EN = re.compile(r"^\W*(?:(?:so|ok|okay|well|hmm|yesterday|earlier|today|first)\W+)*(?:i|we)"
                       r"(?:'ve|\s+have|\s+had)?\s+(?:already\s+|just\s+|first\s+|finally\s+)?(?:been\s+\w+ing|(?!wanted|needed|hoped|wished"
                       r"|liked|preferred|wondered)\w+ed|made|drew|drawn|saw|seen|got|ran|did|done|built|wrote|took|went)\b"
                       r"|^\W*(?:the\s+|a\s+|an\s+|your\s+|that\s+|this\s+)?[\w\s'-]{1,30}?\s+(?:is|are|was|were|looks?"
                       r"|looked|seems?)\s+(?:\w+\s+)?(?:nice|fine|great|cool|ok|okay|good|pretty|helpful|useful|hard|"
                       r"confusing|cluttered|busy|messy|noisy|crowded)\b", re.I)
# ... or how things are, said as a statement ("OK, the shapes match ours.", "our map looks different."), no ask in it
_DECLARED_EN = re.compile(r"^\W*(?:(?:ok|okay|so|well|hmm+|yes|yeah|right|great|nice|interesting|cool|thanks)\W+)*"
                          r"(?:(?:in|on|at|for|during|with)\s+(?:my|our|the|this|that|a|an|his|her)\s+\w+\W+)?"
                          r"(?:the|my|our|your|its|their|it|they|we|he|she)\b"
                          r"(?!.*\b(?:want|wants|need|needs|like|love|wish|would|could|can|please|let|show|draw|plot)\b)"
                          r"[^?]*[.!]\s*$", re.I)
# ... 「…を眺めていたのですが、」「描いたけど、」: what was done, before the ask (not 「見たいんですが、」)
# ... and 「静止画で十分なのですが、」: how something is, before the ask
_TOLD_BEFORE_JA = re.compile(r"(?:(?:[^てで]た|ました|でした|ている|ていた|てる|てた)(?:の|ん)?(?:です|だ)?"
                             r"|な(?:の|ん)(?:です|だ))(?:が|けど|けれど)$")
_WISH_JA = re.compile(r"たい(?:ん|の)?(?:です|だ)?(?:ね|よ)?[…。.!！]*$")  # 「いじってみたいです。」 wishes
# a piece pointing back at what was told ("the same figure", 「同じ図」)
_POINTS_BACK = re.compile(r"\b(?:the\s+same|that|this)\s+(?:figure|plot|chart|graph|picture|map)\b"
                          r"|(?:同じ|その|この)(?:図|グラフ|プロット)", re.I)
# the pieces a question tells and asks in: its sentences, and what comes before a "but" (「…のですが、」)
_PIECE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])\s*|,?\s+but\s+|(?:(?<=が)|(?<=けど)|(?<=けれど)|(?<=ので))、")
# a question someone asked, reported ("He asked why each new word only looks back.", 「…なんで？」と聞かれました)
_REPORTED_QUESTION = re.compile(r"\b(?:asked|asks|wondered|wonders|wants?\s+to\s+know|wanted\s+to\s+know)\s+"
                                r"(?:me\s+|us\s+)?(?:why|how|what|whether|if|where|which)\b"
                                r"|[?？]\s*[」』]?\s*(?:と|って)\s*(?:聞かれ|質問され|聞いて)", re.I)
# what the conversation showed, pointed at ("agree on that", 「そうなの」)
_POINTS_AT_SHOWN = re.compile(r"\b(?:that|this|it|there|those|these|so)\b|そう|それ|その|これ|この|同じ", re.I)
# ... and asked about itself: what it is, or how it differs from another view ("is this line just that row of the
# heatmap?", 「これは最後の層の重みとどう違うんですか？」)
_OF_THE_SHOWN = re.compile(r"^\W*(?:(?:so|and|ok|okay|hmm+|wait)\W+)*(?:is|are|was|were)\s+"
                           r"(?:this|that|it|these|those)\b|^\W*(?:これ|それ|あれ)(?:は|って)"
                           r"|\bdiffer|\bvs\.?\b|\bversus\b|\bcompared\b|違い|違う|比べ", re.I)
_WHY = re.compile(r"^\W*(?:(?:so|and|but|hmm|ok|okay)\W+)*(?:why|how\s+come)\b|なぜ|どうして|なんで", re.I)
# whether something is normal or broken, and a sentence given only as an example, ask about a concept
_JUDGED = re.compile(r"\b(?:normal|broken|wrong|bug|buggy|expected|fine|correct|usual|weird|strange)\b"
                     r"|普通|正常|壊れ|おかしい|バグ|問題ない|大丈夫|合って|変(?:な|だ|です)", re.I)
_EXAMPLE = re.compile(r"\bfor\s+example\b|\bfor\s+instance\b|\be\.g\.|\bsuch\s+as\b|例えば|たとえば|みたいな", re.I)
_THAT_SENTENCE = re.compile(r"\b(?:that|this|the|my|same)\s+(?:sentence|text|prompt)\b|(?:その|この|さっきの|同じ)文")
_OF_TOKENS = re.compile(r"\btokens?\b|トークン", re.I)  # 「『unbelievably』は何個のトークン?」: one word is the text
# a wonder how it turns out (「どうなってるんだろう」, 「どんな感じ」)
_WONDER_HOW = r"どう(?:なって(?:い)?る|なる)(?:ん|の)?(?:だろう|でしょう)|どんな感じ"
# which, where, how many: a question of the data
_ASKS_WHICH = re.compile(r"\b(?:which|where|how\s+many|how\s+much|what\s+(?:tokens|pieces|subwords)|"
                         r"what(?:'s|\s+is)\s+the\s+(?:biggest|largest|highest|"
                         r"smallest|exact))\b|\bhow\s+(?:does|do|is|are|will|would)\b.*\b(?:split|tokeni[sz]e|broken|chopped)"
                         r"|どこ|どれ|どの|どっち|どちら|何個|いくつ|何トークン|何番"
                         r"|どう(?:分かれ|わかれ|分割|区切)"
                         # 「『…』の最終層ってどうなってるんだろう」: how it looks, for that sentence
                         rf"|{_WONDER_HOW}|どう見える(?:ん|の)?(?:だろう|でしょう)", re.I)
# how something looks, no view named ("what does head 5 look like for '…'?", 「…の最終層ってどうなってるんだろう」)
_HOW_IT_LOOKS = re.compile(rf"\blooks?\s+like\b|どう見え|{_WONDER_HOW}", re.I)
# the view shown, pointed at ("switch to smollm2 for this", 「これもgemmaで」)
_FOR_THIS = re.compile(r"\b(?:for|on|with|of)\s+(?:this|that|it)(?:\s+(?:one|figure|chart|view|plot|too))?\W*$"
                       r"|この図|その図|^\W*(?:これ|それ)(?:も|で|を)", re.I)
# what something means or how to read it is asked about, however close a tool is
_MEANING_ASKED = re.compile(r"\bmeans?\b|意味|見方|読み方", re.I)
# a change asked for in a question's form ("could it open at layer 4?", "can the colours go up to 1?")
_HEDGED = re.compile(r"^\W*(?:(?:so|and|ok|okay|also|then|hmm)\W+)*(?:could|can|would|may)\s+\w"
                     r"(?!.*\b(?:conclude|infer|say|claim|mean|means|tell|know|knows|trust|assume|prove)\b)", re.I)
# a wh-question naming a model asks about it ("what's the difference between how BERT and GPT use attention?")
_WH_START = re.compile(r"^\W*(?:what|how|which|where|who|when|why)\b", re.I)
_WH_QUESTION = re.compile(r"^\W*(?:what|how|which|where|who|when)\b|[?？]\s*$", re.I)
# choices only one tool can take by their nature: a second model or sentence, a token count, an expression
_ONE_TOOLS_CHOICES = {"model_b", "sentence_b", "new_tokens", "expression"}
# choices read from literals (numbers, quoted tokens, models), unlike flags read from words ("with the weights")
_LITERAL_CHOICES = {"head", "sentence_b", "model_b", "new_tokens"}
# a clause that only turns a figure down ("I don't need a figure, just the idea") requests nothing
_NO_FIGURE = re.compile(r"\b(?:don'?t|do\s+not|no)\s+(?:need|want)\s+(?:a\s+|any\s+|the\s+)?"
                        r"(?:figure|picture|plot|chart|graph)|図(?:は|も)?(?:いらない|要らない|不要|なしで)", re.I)
# an explanation asked for in words
_EXPLAIN_ASKED = re.compile(r"\b(?:give|write|need)\s+(?:me\s+)?(?:an?\s+)?(?:explanation|paragraph|few\s+sentences"
                            r"|two\s+or\s+three\s+sentences)|\bexplain\s+(?:to\s+me\s+)?(?:why|how|what)\b"
                            r"|説明(?:を用意|して(?:ください|ほしい|欲しい)|を(?:ください|お願い|考えて)|できるように)",
                            re.I)
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
# ... or begins with what was shown (「さっきのグラフ、もういっかい」, 「それ、数字も書き込んだバージョンで」)
_SHOWN_BEFORE = re.compile(r"^\W*(?:じゃあ|では)?\W*(?:さっきの|先ほどの|前の|(?:これ|それ|あれ)(?:[、,をもで]|って))"
                           r"|\bthe\s+one\s+(?:i|you)\s+(?:showed|made|drew|had|sent)\b|(?<!is\s)(?<!are\s)\bthere\W*$"
                           r"|^\W*(?:(?:and|now|ok|okay|so)\W+)*(?:that\s+(?:one|figure|chart|plot|graph|heatmap|map)"
                           r"|the\s+(?:previous|last|earlier)\s+(?:one|figure|chart|plot|graph|heatmap|map))\b", re.I)
_MY_SENTENCE = re.compile(r"\bmy\s+(?:own\s+)?(?:sentence|text|prompt|example)\b"
                          r"(?!\s+(?:(?:is|was)\s+(?:like|about|around|over|too|very|long|short|\d)|has|gets)\b)"
                          r"|(?:自分|私|わたし|僕|ぼく|俺)の(?:文|テキスト|例文|プロンプト)", re.I)
_GREETING = re.compile(r"^\W*(?:hello|hi|hey|good\s+(?:morning|afternoon|evening)|greetings)\b"
                       r"|^\W*(?:はじめまして|初めまして|こんにちは|こんばんは|おはよう)", re.I)


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


def plan(question: str, context: Context | None = None, session_text: str | None = None) -> Plan:
    """Read a learner's question against the conversation so far.

    `session_text` is the sentence the tools' session holds (tools reuse it when `text` is omitted).
    """
    context = context or Context()
    reading = read(question, context.text)
    context = conversation.resolve(reading, context)
    pasted = concepts.pasted_messages(question)
    pasted_error = bool(pasted) or bool(concepts.ERROR_LINE.search(question))
    if reading.colon_sentence and pasted_error:  # "my cell dies with this: RuntimeError: …" pastes no sentence
        reading.sentences, reading.colon_sentence = [], False
    if pasted:  # a message quoted (「「You need to install fugashi…」って出ます」) is no sentence to analyse either
        reading.sentences = [sentence for sentence in reading.sentences if not concepts.pasted_messages(sentence)]
    if reading.colon_sentence:  # an unquoted sentence ("… from this: She said …") is masked like a quoted one
        question = question.replace(reading.sentences[0], '"…"')
    if pasted_error and reading.expression_bare:  # code inside a pasted error is what failed, not a request
        reading.expression = reading.expression_term = None
    meant = question  # a view the question turns down ("like the heatmap but …", "not the line chart") means nothing
    for phrase in reading.turned_down:
        if _views_named_in(phrase):
            meant = meant.replace(phrase, " ")
    named = _asked_views(named_views(list(cards().values()), reading), reading, context)
    whole, parts = _by_meaning(meant, reading, context, bool(named))
    asks_tool = _asks_for_a_tool(question, reading, context, whole, parts, named)
    matches = _merged(whole, parts)
    if not pasted_error and not reading.sentences and not named and reading.expression is None \
            and not asks_to_see(mask_literals(question)):
        if _GREETING.search(reading.plain) and not _WH_START.search(reading.plain) and "?" not in reading.plain:
            # "hello! just finished reading the post", 「はじめまして」: what would they like to see?
            return Plan(reading.language, "ask_back", (), (), (), suggestions=tuple(matches[:3]), context=context)
        if asks_tool and concepts.SPEAKS_OF_A_MESSAGE.search(reading.plain):
            asks_tool = False  # 「モデルを読み込んだら警告が出たんですけど」: a message spoken of, nothing to draw
    if context.text is None and context.question is None and not pasted_error and reading.expression is None \
            and (bare(reading) and not reading.sentences and not reading.models and not reading.new_tokens
                 or _POINTS_ONLY.fullmatch(reading.plain.strip())
                 or _points_at_nothing(reading, named)):
        # 「あれ見せて」, "and head 4?", 「数値なしで」, 「これどういう意味?」, "the same for my sentence" with nothing
        # before it: which sentence, which view, what is "this"?
        return Plan(reading.language, "ask_back", (), (), (), suggestions=tuple(matches[:3]), context=context,
                    needs_sentence=not reading.sentences and bool(_MY_SENTENCE.search(reading.plain)))
    if asks_tool and named and reading.expression is None and reading.earlier_figure is None \
            and not INSTEAD.search(reading.plain) and not (context.tool and _changes_the_view(reading)) \
            and all(only_named(card, reading) for card in named) \
            and not any(_needs_met(card, reading, context, named=True) or _continues_pair(card, context)
                        for card in named):
        # "compare them" with nothing to compare: which sentences or models?
        first = [m for m in matches if m.label in {f"tool:{card.tool}" for card in named}]
        return Plan(reading.language, "ask_back", (), (), (), suggestions=tuple(first + matches)[:3], context=context)
    asked = asks_tool or reading.expression
    # "why is dim=0 wrong there?": the concept, with the expression run to show it
    asked_why = bool(reading.expression_bare and _WHY.search(reading.plain))
    card, tool_score = _tool(reading, matches, context, named, whole) if asked else (None, 0.0)
    if pasted_error and not (reading.expression and not reading.expression_bare) \
            and not concepts.asked_beside(question):
        card = None  # a pasted error or warning asks what it means, not for a figure ("… just draw it" does)
    asked_parts = tuple(p[0].name for p in parts if p[0].kind == "knowledge" and p[0].score >= KNOWLEDGE_MIN)
    entries = concepts.entries(reading, matches, pasted, asked_parts, card, 0.0 if asked_why else tool_score,
                               pasted_error) \
        or concepts.about_the_view(question, context, card) \
        or (() if asks_tool else tuple(entry for c in named for entry in c.knowledge[:1])) \
        or concepts.shown_in_few_words(reading)  # 「コードも」 after a figure: that figure's code
    shown_by = next((entry for entry in entries if concepts.demonstrated(knowledge()[entry], question)), None) \
        if card is None else None
    if shown_by is not None:  # "can I get the code for that chart?": the entry its figure answers comes first
        entries = (shown_by, *(entry for entry in entries if entry != shown_by))
    demonstrates = card is None and shown_by is not None and not pasted_error
    if demonstrates:  # its figure is the answer: the conversation's view when it is one of the entry's
        shown = knowledge()[entries[0]].tools
        asked_view = next((card.tool for card in named if card.tool in shown), None)  # "the code for the flat one"
        card = cards()[asked_view or (context.tool if context.tool in shown else shown[0])]
        tool_score = KNOWLEDGE_MIN
    demonstrates = demonstrates or card is not None and asked_why and bool(entries)
    if card is None:
        if entries:
            related = {tool for entry in entries for tool in knowledge()[entry].tools if tool in cards()}
            # the related tool named or closest to the question, offered only to a conversation with no view yet
            # (else a follow-up goes on with that view)
            offered = next((card.tool for card in named if card.tool in related), None) \
                or next((m.name for m in matches if m.kind == "tool" and m.name in related), None)
            offered = offered if context.tool is None else None
            return Plan(reading.language, "knowledge", (), entries, (),
                        context=_with_sentence_spoken_of(replace(context, offered=offered), reading))
        said = concepts.said_keyword(reading) if not asks_tool or not _sets_a_slot(reading) else None
        if said is None and not pasted_error and concepts.SPEAKS_OF_A_MESSAGE.search(reading.plain):
            # 「警告みたいなのが赤字で出たんだけど…」: which message? the entry that asks for its text
            said = next((m.name for m in matches if m.kind == "knowledge" and knowledge()[m.name].asks_back), None)
        if said is not None:  # nothing close by meaning, but a topic named in its own words ("query, key and value")
            return Plan(reading.language, "knowledge", (), (said,), (), context=context)
        return Plan(reading.language, "ask_back", (), (), (), suggestions=tuple(matches[:3]), context=context)
    calls, lines, after = card_calls(card, reading, context, session_text)
    entries = tuple(dict.fromkeys((*entries, *card.knowledge)))[:concepts.MAX_KNOWLEDGE]
    return Plan(reading.language, card.tool, calls, entries, tuple(lines), context=after, demonstrates=demonstrates)


def after_turn(context: Context, planned: Plan, question: str, ran: bool) -> Context:
    """What the conversation remembers once a planned turn is over: the plan's memory when its calls ran
    (`ran`: at least one succeeded); when they all failed, the view and sentence asked for, without the
    failed choices; else only the tool a concept answer offered; and the question."""
    if planned.context is not None and ran:
        context = planned.context
    elif planned.context is not None and not planned.calls:  # (and a sentence the question was about)
        context = replace(context, offered=planned.context.offered, text=planned.context.text,
                          texts=planned.context.texts)
    elif planned.context is not None:  # every call failed ("head 7" of a 4-head model): what was asked stays the
        asked = planned.context  # subject, so 「じゃあヘッド3で」 redraws that view of that sentence; the failed
        text = asked.text if asked.text and asked.text.strip() else context.text  # choices are not kept
        context = replace(context, text=text, tool=asked.tool, offered=None)
    return replace(context, question=question)


def _with_sentence_spoken_of(context: Context, reading: Reading) -> Context:
    """A concept asked about one sentence of the learner's ("Does attention get sharper in the deeper layers of
    'Reading books broadens the mind'?"): that sentence is the conversation's, for the figure asked next; not a
    word or phrase in quotes, nor a sentence given as an example."""
    if len(reading.sentences) != 1 or _EXAMPLE.search(reading.plain):
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
    if context.question and weak(whole) and not _sets_a_slot(reading) and reading.expression is None \
            and not names_a_view:
        joined = meaning_index().matches(f"{context.question} {question}")[0]
        if joined and joined[0].kind == "knowledge":
            return joined, []
    return whole, parts


def _asks_for_a_tool(question: str, reading: Reading, context: Context, whole: list[Match],
                     parts: list[list[Match]], named: list[Card]) -> bool:
    """Whether the question asks *for* something (a tool runs) rather than only *about* something.

    About: the closest label is a concept clearly ahead, or a concept within CONCEPT_GAP of the best
    tool while most of the nearest examples are knowledge questions ("… is that normal?"), or the
    question is a yes/no or why question ("is the heatmap symmetric?"). For: anything else, a
    request clause, a choice that changes the conversation's view, or a tool named with its literals.
    """
    shares = meaning_index().concept_shares(question)  # asking about (→ 1) or asking for (→ 0), whole and clauses
    best_concept = next((m for m in whole if m.kind == "knowledge"), None)
    best_tool = next((m for m in whole if m.kind == "tool"), None)
    # (a concept only just ahead of a tool, when the nearest examples are requests, is no concept asked:
    # 「つかえるモデルなにがある?」)
    leads = bool(whole) and whole[0].kind == "knowledge" and not weak(whole) \
        and not (shares[0] < 0.25 and best_tool is not None and best_tool.score >= whole[0].score - 0.05)
    masked = mask_literals(question)
    pieces = clauses(masked)[1:] if parts else []
    # (a story, then the question: "For my thesis I'd feed in 2,000 tokens. What happens with inputs that long?" is
    # weak as a whole, but its question is close to a concept)
    asked_in_a_clause = (weak(whole) or whole[0].kind == "knowledge") and any(
        ranked[0].kind == "knowledge" and not weak(ranked) and share >= 0.5
        and (not _tells(piece) or _REPORTED_QUESTION.search(piece))
        and ranked[0].score >= next((m.score for m in ranked if m.kind == "tool"), 0.0) + CONCEPT_GAP
        for ranked, share, piece in zip(parts, shares[1:], pieces, strict=False))
    asks_concept = leads or asked_in_a_clause or (
        best_concept is not None and best_concept.score >= max(KNOWLEDGE_MIN, whole[0].score - CONCEPT_GAP)
        and shares[0] >= 0.5)
    requests = [ranked[0] for ranked, share, piece in zip(parts, shares[1:], pieces, strict=False)
                # (a wh-question whose nearest examples are as many questions as requests asks about something: "What do
                # you lose when you average over the heads?")
                if (share < (0.4 if _WH_START.search(piece) else 0.5) or asks_to_see(piece)) and not asks_yes_no(piece)
                and not _SUBORDINATE.search(piece)
                and not _STATEMENT_JA.search(piece) and not _STATEMENT_EN.search(piece) and not _NO_FIGURE.search(piece)
                and not _DECLARED_EN.search(piece)
                and (ranked[0].kind == "tool" and ranked[0].score >= TOOL_MIN or asks_to_see(piece))]
    # what they saw, then the question ("I see a bright band on the first column. Is that the sink?"); not a
    # change asked for and then judged ("and 4 more tokens. Does the pattern hold?")
    yes_no = asks_yes_no(masked) or bool(pieces) and asks_yes_no(pieces[-1]) \
        and not (_changes_the_view(_no_tokens(reading)) or reading.new_tokens is not None) \
        and not any(asks_to_see(piece) for piece in pieces)
    # 「第2層だとどうなりますか?」, 「gemmaでも同じの?」 after a figure: that figure at another layer or model
    # ... and "would head 6 alone look different?", 「ヘッド1だけだと違いますか?」: the figure changed, to see
    # ... and "could it go on for 20 tokens instead?", "could the special tokens be dropped from it?": asked politely
    # ... and "does that hold for '…' too?", 「前の文でも同じ傾向なのかな」: that figure for another sentence
    follow_up = context.tool is not None and bare(reading) and bool(reading.sentences) \
        or context.tool is not None \
        and (_changes_the_view(reading) or bool(reading.models) or reading.new_tokens is not None) \
        and (bare(reading) or not _WHY.search(reading.plain) and not _JUDGED.search(reading.plain)
             and not reading.sentences
             and (bool(reading.heads) or bool(reading.same) or bool(_HEDGED.search(reading.plain))))
    if _EXPLAIN_ASKED.search(reading.plain) and not named and not reading.sentences and best_concept is not None \
            and best_concept.score >= ASK_BELOW:
        return False  # "Give me an explanation I can say out loud", 「説明を用意したい」: words, not a figure
    if _asks_of_the_data(reading, whole, yes_no, context):
        return True  # "Does head 3 of layer 2 look at the previous token in 'I love you'?": run it and see
    # (a tool far closer than any concept is what is asked: 「ここで使えるモデルって何がありますか？」)
    tool_far_ahead = best_tool is not None and whole[0] is best_tool \
        and best_concept is not None and best_concept.score < best_tool.score - TOOL_FAR_AHEAD \
        and not _WHY.search(reading.plain) and not _MEANING_ASKED.search(reading.plain)
    # (a view named in the form of a request to see it is asked for: 「これを折れ線にしたら読みやすくなるかな」)
    view_to_see = context.tool is not None and bool(named) and asks_to_see(masked) and not _WHY.search(reading.plain)
    # (whether another view of the sentence shown would show something is asked by showing it: "ok, and does every head
    # in the last layer agree on that?", 「じゃあ深い層ほどそうなの？」)
    if yes_no and context.text is not None and named and context.tool not in {card.tool for card in named} \
            and all(card.figure for card in named) and not _WHY.search(reading.plain) \
            and not _JUDGED.search(reading.plain) and not _MEANING_ASKED.search(reading.plain) \
            and not _WH_START.search(reading.plain) and not _OF_THE_SHOWN.search(reading.plain) \
            and _POINTS_AT_SHOWN.search(reading.plain):
        return True
    if yes_no and best_concept is not None and best_concept.score >= ASK_BELOW \
            and not requests and reading.expression is None and not follow_up and not tool_far_ahead \
            and not view_to_see:
        return False  # "is the heatmap symmetric?": about a view, not for one
    fitting = _fitting(reading)
    # a question about a concept names tokens to speak of them ("does that mean it gets 'keys' wrong?"), not to
    # draw their line
    spoken_of = asks_concept and (yes_no or bool(_WH_QUESTION.search(reading.plain)))
    # "Same sentence through three models: '…' on minilm, gemma and smollm2.": a sentence and what only one tool takes
    only_one_fits = len(fitting) == 1 and bool(reading.sentences or context.text) \
        and not yes_no \
        and not _WHY.search(reading.plain) and not _WH_QUESTION.search(reading.plain)
    return not asks_concept or bool(requests) or only_one_fits \
        or (context.tool is not None and (_changes_the_view(_no_tokens(reading) if spoken_of else reading)
                                          or reading.new_tokens is not None
                                          # "I'd like smollm2 in there too", "and smollm as a third?"
                                          or bool(reading.models) and bool(ADDS.search(reading.plain))
                                          and not yes_no and not _WHY.search(reading.plain)
                                          or reading.key is not None and not spoken_of
                                          or reading.models and bare(reading) and not yes_no)) \
        or any(_literally_asked(card, reading, context) and not (_WH_START.search(reading.plain)
                                                                 and set(card.needs_any) == {"model"})
               for card in named) \
        or context.tool is not None and not yes_no \
        and not _WH_QUESTION.search(reading.plain) and any(only_named(card, reading) for card in named) \
        or (bool(reading.sentences) and asks_to_run(masked)) \
        or (bool(named) and (shares[0] < 0.5 or asks_to_see(masked))) \
        or (asks_to_see(masked) and _sets_a_slot(reading)) \
        or (asks_to_see(masked) and context.tool is not None and best_tool is not None and best_tool.score >= TOOL_MIN
            and not _WHY.search(reading.plain))  # "I'd like to see it under gemma"; "what if … chained … instead?"


def _asked_views(named: list[Card], reading: Reading, context: Context) -> list[Card]:
    """The views named where the learner asks, less those named only where they tell what they did or saw ("I've
    been staring at the heatmap … A single curve would be easier", 「ヒートマップを眺めていたのですが…折れ線にして
    もらえますか」); all of them when no view is named outside such telling. In a conversation, one view told of
    ("OK, the shapes match ours. … I'd like to see the exact numbers") is none asked for, unless the ask points
    back at it ("… Could I see it for the last layer?")."""
    if not named or len(named) < 2 and context.tool is None:
        return named
    pieces = [piece.strip(" 、,") for piece in _PIECE_END.split(reading.plain) if piece.strip(" 、,")]
    asking = [piece for piece in pieces if not _tells(piece)]
    if any(_POINTS_BACK.search(piece) for piece in asking):
        return named  # 「…で描いたら線が何本も出た。…で同じ図を出して」: the view told of is asked for again
    asked = [card for card in named if any(named_in(card, piece) for piece in asking)
             and _needs_met(card, reading, context, named=True)]  # ("… so I can compare it with mine")
    if len(named) == 1:  # in a conversation, a view told of what was shown ("OK, the shapes match ours. … I'd like to
        # see the exact numbers") is no view asked for, when something else is asked (not "… Could I see it?")
        pointed_at = any(_POINTS_AT_SHOWN.search(piece) for piece in asking)
        return named if asked or pointed_at or not asking or len(asking) == len(pieces) else []
    return asked or named


def _tells(piece: str) -> bool:
    """A piece of a question that only tells what the learner did, saw or thinks of what they saw."""
    return bool(_TELLS_EN.search(piece) or _STATEMENT_EN.search(piece) or _DECLARED_EN.search(piece)
                or _SUBORDINATE.search(piece)
                or _TOLD_BEFORE_JA.search(piece)
                or _STATEMENT_JA.search(piece) and not asks_to_see(piece) and not _WISH_JA.search(piece))


def _points_at_nothing(reading: Reading, named: list[Card]) -> bool:
    """Their own sentence, not written; the same thing, the other one or a change, with no view or model named
    ("do the same thing for my sentence", 「もう一つの方も見れる？」): said when nothing came before, it points at
    nothing."""
    words = all(len(text.split()) == 1 and (text.isascii() or len(text) <= 4) for text in reading.sentences)
    if reading.sentences and not (_MY_SENTENCE.search(reading.plain) and words):
        return False  # (「私の文だと、『it』はどこを一番見てる？」: a word of it, quoted, is no sentence)
    return bool(_MY_SENTENCE.search(reading.plain) or _SHOWN_BEFORE.search(reading.plain)
                or not named and not reading.models and _SAME_AS_BEFORE.search(reading.plain))


def _asks_of_the_data(reading: Reading, whole: list[Match], yes_no: bool, context: Context) -> bool:
    """A question about what the model does with the learner's own sentence ("Does 'ChatGPT' stay one token in
    '…'?", 「『…』で『食べた』はどこを一番見てる?」, "how is that sentence split into tokens?"), which only running
    it answers; not a why, not whether something is normal or broken, not a sentence given as an example, and a
    tool is about as close as any concept."""
    sentence_like = [text for text in reading.sentences if len(text.split()) >= 2
                     or not text.isascii() and len(text) >= 3 or _OF_TOKENS.search(reading.plain)]
    if context.text and not reading.sentences and _THAT_SENTENCE.search(reading.plain):
        sentence_like = [context.text]
    if not sentence_like or _WHY.search(reading.plain) or _JUDGED.search(reading.plain) \
            or _EXAMPLE.search(reading.plain):
        return False  # ('what makes a head "induction-like"?', 「「が」と「は」で…」 quote terms, not sentences)
    best_tool = next((m.score for m in whole if m.kind == "tool"), 0.0)
    return bool(whole) and best_tool >= max(TOOL_MIN, whole[0].score - CONCEPT_GAP) \
        and (yes_no or bool(_ASKS_WHICH.search(reading.plain)))


def _literally_asked(card: Card, reading: Reading, context: Context) -> bool:
    """A named view given what it runs on as literals: 「「…」のヒートマプ」, 'compare it with minilm'."""
    if card.needs_any:
        return _needs_met(card, reading, context, named=True)
    return card.figure and bool(reading.sentences)


def _tool(reading: Reading, matches: list[Match], context: Context, named: list[Card], whole: list[Match]
          ) -> tuple[Card | None, float]:
    """The card to run and its score; literals decide first, then meaning, then the conversation."""
    every = cards()
    named = [card for card in named if _needs_met(card, reading, context, named=True) or _continues_pair(card, context)]
    views = [card for card in named if card.figure]
    named = views or named  # 「minilmに戻して、さっきと同じヒートマップを」: the view, on that model (no bare switch)
    # (the view shown, turned down, is not gone on with: "forget the generating, …", 「生成はもういいので、…」)
    previous = None if context.tool in _turned_down_views(reading) else every.get(context.tool or "")
    switches = named and all(set(card.slots.values()) <= {"model", "strict"} for card in named)  # a model to load
    if switches and previous is not None and previous.figure and _FOR_THIS.search(reading.plain) \
            and not _unfit(previous, reading):
        return previous, TOOL_MIN  # "now switch to smollm2 for this": the view shown, on that model
    if not named and context.offered in every and not weak(matches):  # 「実際に描いてみせて」 after the explanation
        named = [every[context.offered]]
    # a view, or a tool that reads the layer an expression indexes (「attentions[2] の中身を数値で」), named instead
    named_instead = [card for card in named if card.figure or "layer" in card.slots.values()
                     and "expression" not in card.slots.values()]
    for card in every.values():  # a literal only one tool reads (an expression) decides, unless one is named instead
        if any(getattr(reading, name, None) for name in card.decisive) and not named_instead:
            return card, 1.0
    # the name against the whole question: a clause that only gives literals ("try 'X' with llama") names no view
    # (only a tool that could run here outranks the name: "Rollout for '…' from layer 0" is no comparison)
    best_tool = max((m.score for m in whole if m.kind == "tool" and _needs_met(every[m.name], reading, context)),
                    default=0.0)
    named_score = max((m.score for m in matches if named and m.label == f"tool:{named[0].tool}"), default=TOOL_MIN)
    # a view named that cannot take a number or token the question sets, when one as close takes them all, gives
    # way to it: 「ヘッド2だけを大きく」 is one head's map, not the grid of heads
    fitter = next((every[m.name] for m in matches if m.kind == "tool" and m.score >= named_score - NAME_LEAD
                   and not _unfit(every[m.name], reading) and _needs_met(every[m.name], reading, context)), None) \
        if len(named) == 1 and named[0].figure \
        and _unfit_choices(named[0], replace(reading, mean_heads=None)) & _LITERAL_CHOICES else None
    if fitter is not None:
        return fitter, named_score
    # "... as a heatmap", 「折れ線で」, 「ここから先はgemmaで」: the tool named; a view's name can also describe
    # something else ("tag every head with its role"), so a view gives way to a much closer tool, unless it is
    # the conversation's own ("さっきの比較を1層目で")
    if len(named) == 1 and (not named[0].figure or named_score > best_tool - NAME_LEAD
                            or named[0].tool == context.tool or only_named(named[0], reading)
                            or bool(named[0].needs_any)):  # "compare the two sentences directly": what it needs is here
        return named[0], named_score
    candidates = [(every[m.name], m.score) for m in matches if m.kind == "tool" and m.score >= TOOL_MIN
                  and _needs_met(every[m.name], reading, context)
                  and (not every[m.name].needs_name or every[m.name] in named)]
    among_named = [pair for pair in candidates if pair[0] in named]
    if len(named) > 1 and not among_named:  # two views named, neither close by meaning: the longer name
        return max(named, key=lambda card: longest_name(card, reading)), TOOL_MIN
    chosen = _best_fit(among_named or candidates, reading)
    fitting = _fitting(reading)
    if chosen is not None and _unfit_choices(chosen[0], reading) & _ONE_TOOLS_CHOICES and len(fitting) == 1 \
            and not named:
        chosen = fitting[0], TOOL_MIN  # 「minilmとgemmaで『…』、第2層」: two models only a comparison takes
    default = next((card for card in every.values() if card.default), None)
    if previous is not None and not named and len(fitting) == 1 \
            and _unfit_choices(previous, reading) & _ONE_TOOLS_CHOICES - {"expression"}:
        return fitting[0], TOOL_MIN  # "let it write 6 more" after a line chart: the one tool that generates
    # a follow-up view, or any tool that takes every choice asked for ('redo that with gemma' after extraction)
    continues = previous is not None and (previous.follow_up or _unfit(previous, reading) == 0)
    if previous is not None and continues and _sets_a_slot(reading) \
            and (not reading.sentences or bare(reading) and _needs_met(previous, reading, context)):
        # "now layer 0", 「ヘッド3は?」, 'do it for "Time flies"': the same tool, changed, unless another is
        # clearly asked for
        kept = next((m.score for m in matches if m.label == f"tool:{previous.tool}"), 0.0)
        fits_better = _unfit(previous, reading) < (_unfit(chosen[0], reading) if chosen else 99)
        fits_worse = chosen is not None and _unfit(chosen[0], reading) < _unfit(previous, reading)
        # (a choice the view cannot take, which a close tool can, goes to that tool: "'it' looking at 'dog'
        # from bottom to top" after a heatmap)
        default_fits = default is not None and not _unfit(default, reading)
        if fits_worse and not default_fits:
            return chosen
        if chosen is None or bare(reading) or fits_better or chosen[1] < kept + FOLLOW_UP_MARGIN:
            if _unfit(previous, reading) and default_fits:
                return default, TOOL_MIN  # 「ヘッド2だけ大きく」 after the grid of heads: that head's own map
            return previous, max(kept, TOOL_MIN)
    if default is not None and bare(reading) and (_changes_the_view(reading) or context.question) \
            and not _unfit_choices(default, reading) & _ONE_TOOLS_CHOICES:  # (two models given: not the default)
        return default, TOOL_MIN  # "show me head 2 of layer 0" after head roles, 「それを図にして」: the default view
    if chosen is not None and not named and default is not None and _HOW_IT_LOOKS.search(reading.plain) \
            and (reading.sentences or context.text) and not _unfit(default, reading):
        return default, chosen[1]  # "I wonder what layer 3 looks like for '…'": no view named, the default one
    if chosen is not None:
        return chosen
    if len(fitting) == 1:  # 「…の続きを20トークン」: nothing close by meaning, but a choice only one tool takes
        return fitting[0], TOOL_MIN
    if previous is not None and continues and _sets_a_slot(reading) and not _unfit(previous, reading):
        return previous, TOOL_MIN  # "Now scramble the word order: 「魚を猫が食べた」": nothing else is close, go on
    if len(named) > 1:  # "score every head for induction": two views named, none close by meaning: the longer name
        return max(named, key=lambda card: longest_name(card, reading)), TOOL_MIN
    best = max((m.score for m in matches), default=0.0)
    best_tool = max((m.score for m in matches if m.kind == "tool"), default=0.0)
    if (reading.sentences or _changes_the_view(reading)) and best < ASK_BELOW \
            or reading.sentences and _changes_the_view(reading) and best_tool < TOOL_MIN:
        # a bare quoted sentence, or a choice only views take ("without [CLS]"), or both with nothing close by
        # meaning (「<bos>抜きで「…」の関連度を色で、最後の層」): the default view
        return default, TOOL_MIN if default else 0.0
    return None, 0.0


def _turned_down_views(reading: Reading) -> set[str]:
    """The tools whose view the question turns down ("not the line chart", "forget the generating")."""
    return {tool for phrase in reading.turned_down for tool in _views_named_in(phrase)}


def _views_named_in(phrase: str) -> set[str]:
    """The tools one of whose names is inside the phrase."""
    return {card.tool for card in cards().values() if any(name in phrase.lower() for name in card.names)}


def _best_fit(candidates: list[tuple[Card, float]], reading: Reading) -> tuple[Card, float] | None:
    """Among the tools nearly as close as the closest, the one that takes the most of what the
    question sets ("annotate the values" is the heatmap's, not the printed matrix's)."""
    if not candidates:
        return None
    top = _unfit(candidates[0][0], reading)  # one that takes a choice the closest cannot may be a little further
    near = [(card, score) for card, score in candidates
            if score >= candidates[0][1] - FIT_MARGIN * (2 if _unfit(card, reading) < top else 1)]
    return min(near, key=lambda pair: (_unfit(pair[0], reading), -pair[1]))


def _fitting(reading: Reading) -> list[Card]:
    """The cards that take every choice the question sets."""
    return [card for card in cards().values() if not _unfit(card, reading)]


def _unfit(card: Card, reading: Reading) -> int:
    """How many of the question's choices the card has no slot for."""
    return len(_unfit_choices(card, reading))


def _unfit_choices(card: Card, reading: Reading) -> set[str]:
    """The question's choices the card has no slot for."""
    readings = set(card.slots.values())
    given = {"layer": bool(reading.layers), "head": bool(reading.heads or reading.mean_heads),
             "query": reading.query is not None,
             "key": reading.key is not None, "annotate": reading.annotate, "exclude_special": reading.exclude_special,
             "words": reading.words, "new_tokens": reading.new_tokens is not None, "strict": reading.strict,
             "color_max": reading.color_max is not None,
             "expression": reading.expression is not None and not reading.expression_bare,
             "sentence_b": len(reading.sentences) >= 2,  # two sentences given: a tool that takes both
             "model_b": len(reading.models) >= 2}
    return {name for name, set_ in given.items() if set_ and name not in readings}


def _no_tokens(reading: Reading) -> Reading:
    """The reading without the tokens it names (a query, a key)."""
    return replace(reading, query=None, key=None)


def _changes_the_view(reading: Reading) -> bool:
    return bool(reading.layers or reading.layer_step or reading.head_step or reading.step
                or reading.earlier_figure is not None or reading.heads
                or reading.mean_heads or reading.annotate or reading.exclude_special or reading.words
                or reading.query is not None or reading.color_max is not None or reading.off)


def _needs_met(card: Card, reading: Reading, context: Context, named: bool = False) -> bool:
    """A card that needs one of some readings ("sentence_b" or "model_b" to compare) gets it; in a
    follow-up that names the card, one sentence or model is the second beside the conversation's
    ("compare it with gemma")."""
    if not card.needs_any:
        return True
    # ("the same with smollm2 instead, for comparison" replaces the model shown: nothing is beside it)
    earlier = 1 if context.text is not None and named and not INSTEAD.search(reading.plain) else 0
    sentences = len(reading.sentences) + earlier  # two sentences on one model ("… in gemma") compare the sentences
    found = {"sentence_b": sentences >= 2 and (not reading.models or len(reading.sentences) >= 2),
             "model_b": len(reading.models) + earlier >= 2,
             "model": bool(reading.models),
             "expression": reading.expression is not None
             or context.tool == card.tool and "expression" in context.choices,
             "sentence": bool(reading.sentences)}
    return any(found.get(name, False) for name in card.needs_any)


def _continues_pair(card: Card, context: Context) -> bool:
    """'same comparison but the first layer': the conversation's last call gave the card what it needs."""
    return context.tool == card.tool and any(name in context.choices for name in card.needs_any)


def _sets_a_slot(reading: Reading) -> bool:
    """A choice of the view, or anything else a card's slot takes: a model, a sentence, a key, a token count."""
    return _changes_the_view(reading) or bool(reading.models or reading.sentences) \
        or reading.key is not None or reading.new_tokens is not None


def _merged(whole: list[Match], parts: list[list[Match]]) -> list[Match]:
    """Each label at its best score over the whole question and its clauses, best first."""
    best: dict[str, Match] = {}
    for ranked in (whole, *parts):
        for match in ranked:
            if match.label not in best or match.score > best[match.label].score:
                best[match.label] = match
    return sorted(best.values(), key=lambda match: -match.score)


