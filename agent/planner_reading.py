"""Passes 1 and 2 of the offline planner: reading a question into a `Reading`.

    1. pull out what is quoted or in backticks: the sentence(s) to analyse, a query token, an expression
    2. read the arguments from the rest: models, layers, heads, flags, the number of new tokens

Each pass blanks out the words it used, so "mean over all heads" is not also read as "all heads".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from agent import planner_arguments as arguments
from agent import planner_edits as edits
from agent import planner_quotes as literal
from agent.model_names import find_models
from agent.spelling import IN_FULL_WORDS, JAPANESE
from prompts import Language

__all__ = [
    "INSTEAD", "asks_yes_no", "asks_to_see", "asks_to_run", "Reading", "read", "detect_language",
    "CANONICAL_EXPRESSION", "sentence_words", "has_word", "OF_TOKENS"]

CANONICAL_EXPRESSION = "torch.mean(outputs.attentions[-1], dim=1)[0].detach().numpy()"


@dataclass
class Reading:
    """What one question says, filled in pass by pass."""

    language: Language
    rest: str  # the question without its quotes and code, NFKC-normalized and lower-cased; blanked as read
    plain: str  # `rest` before any argument was blanked out (for knowledge keywords)
    sentences: list[str] = field(default_factory=list)
    colon_sentence: bool = False
    query: int | str | None = None
    key: int | str | None = None  # the attended token, for layer_summary
    expression: str | None = None
    expression_term: str | None = None  # "dim=1" when the expression is the canonical one for a bare term
    expression_bare: bool = False  # the expression was found in prose, not quoted or in backticks
    models: list[tuple[str, str]] = field(default_factory=list)  # (model, the words that named it)
    layers: list[tuple[int, str]] = field(default_factory=list)  # (layer, the words that named it)
    heads: list[tuple[int, str]] = field(default_factory=list)
    mean_heads: str | None = None
    annotate: bool = False
    exclude_special: bool = False
    words: bool = False  # merge subword tokens into words (heatmap and line)
    strict: bool = False  # "exactly that one, not a substitute": no stand-in model
    color_max: float | None = None  # "colour scale fixed 0 to 1": the same scale for every map
    same: tuple[str, ...] = ()  # choices said to stay ("at the same layer", 「同じ層で」), even for another view
    new_tokens: int | None = None  # how many tokens to generate, when asked
    # "first"/"second"/"other"/"newest"/"long"/"short" (back to that sentence) or "pair" (compare the two)
    earlier: str | None = None
    more_tokens: bool = False  # "5 more tokens", 「あと5トークン」: new_tokens adds to the last generation's
    twice: bool = False  # "twice as long", 「倍の長さで」: the last generation's token count doubled
    turned_down: list[str] = field(default_factory=list)  # "not the line chart", 「ヒートマップはいらない」
    off: set[str] = field(default_factory=set)  # choices turned off: "without the numbers", 「[CLS]は消さないで」
    earlier_figure: int | None = None  # "go back to the first figure": its place in the conversation's figures
    # "the 'river' sentence", 「『川』の文」, "the 'are' and 'is' versions": words of the earlier sentences meant
    sentence_words: list[str] = field(default_factory=list)
    layer_step: tuple[int, str] | None = None  # "one layer up", 「ひとつ前の層」: (step, words) from the shown layer
    head_step: tuple[int, str] | None = None  # "next head", 「前のヘッド」: (step, words) from the shown head
    step: tuple[int, str] | None = None  # "next", 「次」 alone: along the head or layer the learner was stepping
    said_back: bool = False  # the sensei's words quoted back ("you said 'rows sum to 1'"): asked about


# "instead", 「代わりに」「に替えて」: what follows replaces what came before
INSTEAD = re.compile(r"\binstead\b|代わりに|かわりに|に替えて|に変えて", re.I)
# the model asked to write something ("SmolLM2 finish this for me", "it write a few words after …"), not whether it can
_THE_MODEL_WRITES = (r"(?:it|the\s+model|[\w.-]*\d[\w.-]*|gemma|smollm\w*|minilm)\s+(?:please\s+)?"
                     r"(?:finish|continue|complete|write|generate)\s+(?:this|that|it|my|the|a\s+few|some|more|for\s+me"
                     r"|after|on\s+from)\b")
# A yes/no or why question asks about something, even when it names a view ("is the heatmap symmetric?",
# 「3Dにする意味ってありますか?」); "can you show…" and 「見せて」 ask for something.
_YES_NO_EN = re.compile(
    r"^(?:(?:so|and|but|ok|okay|hmm|wait|also|then)[,.]?\s+)*(?:why\b|how come\b|is|are|was|were|does|did|should|"
    r"do(?!\s+(?:it|that|this|the\s+same|so|\d+|layers?|heads?|(?:the|a|an)\s+(?:[\w-]+\s+){0,2}(?:version|view|plot|chart|map|heatmap"
    r"|figure|graph|one|thing)s?)\b)|"  # "do the 3d version of …" asks for it
    r"shouldn't|isn't|aren't|doesn't|don't|can't|must|will"
    rf"|(?:can|could|would)(?!\s+(?:you|u|i|we)\b)(?!\s+{_THE_MODEL_WRITES}))\b"
    r"|^what\s+(?:does|do)\b.*\b(?:mean|tell\s+(?:me|us))\b"
    r"|^(?:\w+,\s+)?what\s+(?:does|do)\b.*\b(?:do|add|bring|change|buy\s+(?:me|us))\s*[?.!]*$"  # "what does X add?"
    r"|^what\s+(?:exactly\s+)?makes\b|^what(?:'s|\s+is|\s+are)\s+the\s+\d+s?\s+in\b"  # "what's the 12 in …"
    r"|^what(?:'s|\s+is)\s+(?:exactly\s+)?(?:an?\s|this\b|that\b)|^what\s+exactly\s+(?:is|are|does)\b"
    r"|^what\s+are\s+(?!the\b)|^how\s+(?:is|are)\s+(?:that|this|it|they|these|those)\b.*\bdiffer"
    r"|,\s*(?:is|are|was|does|do|should|can)\s+(?:it|that|this|they)\b[^,]*\?$"  # "…, is it bad?"
    r"|,\s*(?:right|correct|isn't\s+it|no)\s*\?$"  # "… share one key/value head, right?"
    r"|,\s*(?:why|how\s+come)\s*\?*$"  # "the special-token line climbs after layer 1, why?"
    r"|^what\s+am\s+i\s+(?:looking\s+at|seeing)\b"  # "what am I looking at in the difference panel?"
    # "what is rollout actually doing mathematically?"
    r"|^what(?:'s|\s+is|\s+are)\s+[\w-]+(?:\s+[\w-]+)?\s+(?:actually\s+|really\s+|exactly\s+)?doing\b", re.I)
# a word of reaction before the question ("cool. what's the 12 in that shape?", "thanks! why …")
_REACTION_EN = re.compile(r"^(?:(?:cool|nice|great|thanks|thank\s+you|ok|okay|got\s+it|i\s+see|ah+|oh+|hm+|wow|neat"
                          r"|interesting|awesome|right|alright)\s*[.!,]+\s*"
                          r"|(?:wait|so|and|but|um+|uh+|also|then|hmm+)\b[,.!]?\s+)+", re.I)  # "wait what does … mean"
# 「ヒートマップにできたりしますか」「数値で出せますか」: can it be made, asked for
_CAN_IT_BE_MADE_JA = r"(?:に|で|を|も)(?:でき|出せ|描け|作れ)(?:たり)?(?:します|ます|る|ません|ない)?(?:か|の)?[?？]*$"
_REQUEST_JA = re.compile(rf"見せて|見たい|拝見|描いて|描き|表示|出して|して(?:ください|ほしい|下さい)?$"
                         rf"|{_CAN_IT_BE_MADE_JA}|ください|ほしい|たい"
                         r"|見られ(?:ます|る)|見れ(?:ます|る)|(?:見る|確かめる)方法"
                         r"|教えて|おしえて|やって|[てで](?:もらえ|もらっても|くれ|いただけ|いただい)|いただけ(?:ます|ません)|お願い|おねがい|願え"
                         r"|どう見え|どんな(?:風|ふう)に見え|何が(?:描かれ|表示され)|どう描かれ")
# how to read something, or not understanding it, asks about it even in a request form (「カラーバーの見方おしえて」)
_ABOUT_JA = re.compile(r"の読み方|の見方(?:を|が|は)?(?:教え|おしえ|わから|分から|知りたい|って)"
                       r"|について(?:の)?(?:質問|聞きたい|ききたい|教えて|知りたい)|どう読め?ば(?:いい|よい)"
                       r"|(?:(?:わから|分から)(?:ない|なくて)|(?:わかり|分かり)ません)(?!ので|から|けど)")
_YES_NO_JA = re.compile(r"なぜ|どうして|なんで|どういう意味"
                        r"|(?:って|とは)(?:そもそも|一体|いったい)?(?:なに|何|なん)(?:です|でしょう|だろう)?か?[?？]*$"
                        r"|(?:ばいい|べき)(?:ん|の|なん|なの)?(?:でしょう|だろう)"  # 「どう扱えばいいのでしょう」
                        # 「見にくくない？」「消えたりしない？」 (not 「描いてくれない？」, a request)
                        r"|(?:くない|じゃない|ではない|(?<!くれ)(?<!もらえ)(?<!られ)(?<!れ)ない)[?？]+$"
                        r"|(?:って|は)(?:本当|ほんと|ホント)(?:に)?(?:です)?(?:か|なの|なん)?[?？]+$"  # 「…って本当？」
                        r"|何を(?:表して|意味して)|(?:ですか|ますか|でしょうか|のか|んですか|のですか"
                        r"|もの|普通|かな|よね|ってこと|のこと|とは|の)[?？]*$"
                        r"|意味(?:って|は|が)?(?:ある|あります|ない|ありません)"
                        # (「利点はあるのでしょうか。」「必ずそうなるものでしょうか。」: asked politely, a full stop)
                        r"|(?:ある|ない|なる|いい|よい|よろしい|正しい|同じ|もの)(?:の|ん)?でしょうか[。.]*$")


# "is there a way to see …?", "is it possible to …?", "is there a 3D version of …?": a request in a question's form
# "For '…' on smollm, does the first word get …?": what it is asked of, said first
_SETTING_FIRST_EN = re.compile(r"^(?:for|in|with|on|at|using)\b[^,?]{0,80},\s*", re.I)
_POSSIBLE_EN = re.compile(r"^(?:(?:so|and|ok|okay|also|then)[,.]?\s+)*(?:is\s+there\s+(?:also\s+)?(?:a|an|any)\s+"
                          r"(?:way\b|(?:[\w-]+\s+){0,2}(?:view|version|page|figure|chart|plot|map|tool)\b)"
                          r"|is\s+it\s+possible\s+to\b|(?:would|will)\s+it\s+be\s+possible\s+to\b)", re.I)
# "can I see it in 3d?", 「3Dで見せて」: the form of a request to see something, whatever else is said
_SEE_EN = re.compile(r"^(?:(?:ok|okay|so|then|now|please|go\s+on(?:\s+then)?|sure|yes|yeah|alright)[,.!]?\s+)*"
                     r"(?:check|try|run|show|draw|plot|compute|find|load|switch|tag|redraw|redo|do\s+(?:the|that|it)\b)\b"
                     r"|\b(?:can|could|may)\s+(?:i|we)\s+(?:see|get|have|follow|look\s+at|poke\s+around|explore|open|view|browse"
                     r"|hover|click|mouse\s+over"
                     r"|play\s+(?:around\s+)?with)\b"
                     r"|\b(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+)?(?:show|draw|plot|weigh|compute|run|make"
                     r"|visuali[sz]e|compare|redo|redraw|extract|tokeni[sz]e|load|print|list|trace|render|write|put|label"
                     r"|annotate|zoom|enlarge)\b"
                     r"|\b(?:show|draw|plot|render)\s+(?:me|it|us|the|this|that)\b"
                     # "could SmolLM2 finish this for me", "can it write a few words after …": the model asked to write
                     rf"|\b(?:can|could|would|will)\s+{_THE_MODEL_WRITES}"
                     r"|\blet\s+me\s+see\b|\bi(?:'d|\s+would)\s+(?:like|love)\s+to\s+see\b"
                     r"|\bit(?:'d|\s+would)\s+be\s+(?:nice|great|fun|lovely|cool|helpful)\s+to\s+(?:see|have|show|get)\b"
                     r"|\bi\s+(?:want|wanna|need|wanted)\s+to\s+(?:see|look\s+at|view)\b"
                     # … with no "I", as typed in a hurry: "?? want to see the pieces", "just want the pieces"
                     r"|(?:^|[.!?;,]\s*)(?:just\s+)?(?:want|wanna)\s+to\s+(?:see|look\s+at)\b"
                     # "I just want the token list", "I need every head's map" (not "I need an explanation")
                     r"|\b(?:i\s+(?:just\s+|only\s+|really\s+)?(?:want|need)|give\s+me|just\s+want)\s+(?:just\s+|only\s+)?"
                     r"(?:the|a|an|all|every|each)\s+"
                     r"(?!(?:\w+\s+)?(?:idea|explanation|intuition|concept|gist|reason|answer|difference|meaning)\b)"
                     r"|\bhow\s+(?:would|does|will)\s+(?:it|that|this|the\s+\w+)\s+look\b"
                     r"|\bwhat\s+(?:would|does|will)\s+(?:it|that|this)\s+look\s+like\b|\bwhat\s+gets\s+drawn\b"
                     r"|\bwhat\s+if\b.*\binstead\b", re.I)  # "what if everything is chained through … instead?"
# (not what was done: 「図を描いていました」, but 「描いていただけますか」)
_SEE_JA = re.compile(r"見せて|(?<=て)みせて|実演して|見たい|見たかった|見てみたい|見てみたかった|拝見"
                     r"|(?:描いて|表示して|(?<!切り)(?<!取り)(?<!抜き)(?<!呼び)(?<!書き)出して)(?!いま|いた(?!だ)|いる)|にして(?!も)"
                     r"|(?:見|開け|出せ|描け)(?:られ)?たら(?:嬉し|うれし|助か|いい|良い)|(?:見|開け)(?:られ)?たり(?:し|でき)"
                     r"|描き直して|並べて"
                     # 「ヘッドの一覧でお願いします」 (not 「説明をお願い」「数式なしでお願い」)
                     r"|(?<!説明)(?<!解説)(?<!教え)(?<!なし)(?<!無し)(?:で|を)(?:お願い|おねがい)"
                     # 「静止画のヒートマップもいただけますか」「普通のヒートマップでいいや」: asked, settled for
                     r"|(?:も|を)(?:いただけ|頂け)(?:ます|ません)?か"
                     # 「…判定するやつ頼むわ」「まとめのほう、お願いしてもいいですか」: asked for
                     r"|頼(?:む(?:わ|よ|ね)?|みます)\s*[。!！]*$|お願いしても(?:いい|よろしい)|お願いでき(?:ます|ません)か"
                     r"|(?:で|が)(?:いいや|いいよ|いいです|ええわ|ええよ)(?!か)"
                     rf"|(?:絵|図)にするとどう|{_CAN_IT_BE_MADE_JA}"
                     # (not 「見られるのはなんで」)
                     r"|見られ(?:ます|ません|る(?!の|こと))|見れ(?:ます|る(?!の|こと))|見せられ(?:ます|る)"
                     r"|(?:に|で)(?:する|した)(?:と|ら)[?？]*$"  # 「行列ごと折れ線にすると?」: what it would look like
                     # 「これを折れ線にしたら読みやすくなるかな」: whether it reads better, seen
                     r"|(?:に|で)(?:する|した)(?:と|ら)[、,]?\s*(?:もっと|少しは)?(?:読み|見|分かり|わかり)やすく"
                     r"|(?:見る|確かめる)方法(?!って|とは|は)|確かめ(?:たい|られ)|確認(?:したい|させて)"
                     r"|どう見え|どんな(?:風|ふう)に見え|何が(?:描かれ|表示され)|どう描かれ")
# ... and, for a sentence given, to work on it ('extract "…"', 「「…」を調べて」); not for a view named
# (「ヒートマップの読み方を教えて」 asks how to read it)
_RUN_EN = re.compile(r"(?<![.\w])(?:visuali[sz]e|extract|tokeni[sz]e|give\s+me|get\s+me)\b(?!\s*\()", re.I)
_RUN_JA = re.compile(r"教えて|おしえて|調べて|確かめて|確認して|計算して")


# the tokens of a text spoken of ("into how many pieces does minilm chop 'unbelievably'?", 「トークンに分割すると」)
OF_TOKENS = re.compile(r"\btokens?\b|\bpieces?\b|\bchop|\bsplit|\btokeni[sz]|トークン|分割|分け|切れ|切ら|区切", re.I)


# anything to look at, nothing chosen ("idk just show me smth", 「なんか見せて」): a first look, in the usual view
SOMETHING_TO_SEE = re.compile(r"\b(?:show|give)\s+(?:me\s+|us\s+)?(?:something|smth|sth|anything)\b"
                              r"|(?:なんか|何か|なにか)(?:を)?(?:見せ|みせ)", re.I)


def asks_to_see(text: str) -> bool:
    """The question is worded as a request to see something ("can I see the attention in 3d?")."""
    if JAPANESE.search(text):
        return bool(_SEE_JA.search(text))
    return bool(_SEE_EN.search(text) or _POSSIBLE_EN.search(text))


def asks_to_run(text: str) -> bool:
    """... or to work on what it gives ('tokenize "…"', 「「…」の重みを調べて」)."""
    return asks_to_see(text) or bool((_RUN_JA if JAPANESE.search(text) else _RUN_EN).search(text))


def asks_yes_no(text: str) -> bool:
    """A yes/no, why or what-does-it-mean question, not a request."""
    text = text.strip()
    if JAPANESE.search(text):
        return bool(_ABOUT_JA.search(text)) or bool(_YES_NO_JA.search(text)) and not _REQUEST_JA.search(text)
    text = _SETTING_FIRST_EN.sub("", _REACTION_EN.sub("", text))
    return bool(_YES_NO_EN.search(text)) and not _POSSIBLE_EN.search(text)


def detect_language(text: str) -> Language:
    """"ja" when the text holds hiragana, katakana or kanji, else "en"."""
    return "ja" if JAPANESE.search(text) else "en"




def read(question: str, latest_text: str | None = None) -> Reading:
    """The literal parts of a question; `latest_text` is the sentence the conversation analysed last."""
    # "change 'full' to 'empty'", "'The nurse helped the doctor.' with 'nurse' and 'doctor' swapped": rewritten
    edit = edits.versions(question, latest_text)
    raw, codes = literal.take_code(question.replace(edit[1], " ") if edit else question)
    raw, quotes = literal.take_quotes(raw)
    reading = Reading(language="en", rest="", plain="")
    _sort_quotes(reading, codes, quotes)
    if edit:  # (the sentence edited is no sentence of its own, unless both are asked for)
        reading.sentences = [*edit[0], *(text for text in reading.sentences if text not in (*edit[0], edit[2]))]
    if reading.expression is None:
        raw = _take_bare_expression(reading, raw)
    raw = _take_replacement(reading, question, codes, raw)
    if not reading.sentences:
        raw = _take_colon_sentence(reading, raw)
    # the answer follows the language of the question, not of the sentence it quotes
    reading.language = detect_language(raw if raw.strip(" \t\n?？。.!！") else question)
    cased = unicodedata.normalize("NFKC", raw)
    reading.plain = reading.rest = cased.lower()
    quoted = {reading.query, reading.key}  # tokens the learner quoted keep the learner's case
    _take_arguments(reading)
    reading.models = [(_as_written(model, cased), phrase) for model, phrase in reading.models]
    if latest_text and not edit and _names_tokens(reading, latest_text):
        for word in reading.sentences:  # "from 'are' to 'keys'", 「「retired」が「scientist」を見る」: query, then key
            if word in (reading.query, reading.key):
                continue
            if reading.query is None:
                reading.query = word
            elif reading.key is None:
                reading.key = word
        reading.sentences = []
    _take_sentence_words(reading, reading.sentences[0] if reading.sentences else latest_text)
    if "query" in reading.off:  # "everybody at once, not just 'it'": the word quoted is the one turned off
        reading.query = None
    _case_as_written(reading, cased, quoted)
    return reading


def _case_as_written(reading: Reading, cased: str, quoted: set[int | str | None]) -> None:
    """A query or key read unquoted from the lower-cased question ("heからTomへ") as the learner wrote it ("Tom")."""
    for name in ("query", "key"):
        value = getattr(reading, name)
        if isinstance(value, str) and value[:1].isalnum() and value not in quoted:
            found = re.search(rf"(?<![A-Za-z0-9_'-]){re.escape(value)}(?![A-Za-z0-9_-])(?!'(?!s\b))", cased, re.I)
            setattr(reading, name, found[0] if found else value)


def _as_written(model: str, cased: str) -> str:
    """A hub id as the learner wrote it ("TinyLlama/TinyLlama-1.1B-Chat-v1.0"): the words were read lower-cased,
    and a hub's folders are not."""
    if "/" not in model:
        return model
    found = re.search(re.escape(model), cased, re.I)
    return found[0] if found else model


def sentence_words(sentence: str) -> set[str]:
    """The sentence's words, lower-cased, that an unquoted token is looked up in ("from cake", "it → animal")."""
    return set(re.findall(r"[\w'-]+", sentence.lower()))


def _take_sentence_words(reading: Reading, sentence: str | None) -> None:
    """Unquoted words of the sentence as the query and key: "line chart from cake", "query trains",
    "how does it → animal change"; a word counts only when the sentence has it."""
    if sentence is None or reading.query is not None and reading.key is not None:
        return
    words = sentence_words(sentence)  # (read lower-cased; `_case_as_written` gives them the learner's case)
    arrow = _ARROW_WORDS.search(reading.rest) or next(
        (found for found in _TO_WORDS.finditer(reading.rest)  # "how does were to students change": both its words
         if {found[1], found[2]} <= words and not {found[1], found[2]} & _NOT_A_TOKEN_WORD), None)
    pair = [_SPECIAL_AS_WRITTEN.get(word, word) for word in arrow.groups() if word is not None] if arrow else []
    # (Japanese is written without spaces: 「花→赤い」 names two pieces of 「赤い花が咲いた」)
    inside = all(word.lower() in words or re.fullmatch(_SPECIAL, word.lower()) for word in pair) \
        or all(not word.isascii() and word in sentence for word in pair)
    if pair and reading.query is None and reading.key is None and inside:
        reading.query, reading.key = pair
        reading.rest = literal.blank(reading.rest, *arrow.span())
        return
    found = _SPECIAL_QUERY.search(reading.rest) if reading.query is None else None
    if found:
        reading.query = _SPECIAL_AS_WRITTEN.get(found[found.lastindex], found[found.lastindex])
        reading.rest = literal.blank(reading.rest, *found.span(found.lastindex))
        return
    found = _FROM_WORD.search(reading.rest) if reading.query is None else None
    if found and found[1] in words:
        reading.query = found[1]
        reading.rest = literal.blank(reading.rest, *found.span())
        return
    found = None if reading.query is not None else _LOOKS_FROM_EN.search(reading.rest) \
        or (_ANOTHER_WORD.match(reading.rest) if not reading.sentences else None)
    if found and found[found.lastindex] in words and found[found.lastindex] not in _NOT_A_TOKEN_WORD:
        reading.query = found[found.lastindex]  # "where does happy look?", "him's line", "line for which"
        reading.rest = literal.blank(reading.rest, *found.span(found.lastindex))
        return
    found = _LOOKS_FROM_JA.search(reading.rest) if reading.query is None else None
    if found is None or found.lastindex is None:
        return
    word, end = found[found.lastindex], found.end(found.lastindex)  # (one of its two alternatives matched)
    # (the piece is read to where the sentence has it: 「…」で東京がどこを見てるか → 東京)
    piece = next((word[start:] for start in range(len(word)) if word[start:] in sentence), None)
    if piece:
        reading.query = piece
        reading.rest = literal.blank(reading.rest, end - len(piece), end)


# where a token looks, said of it: "where does X look", "X's line", "line for X" (the phrases, for both patterns)
_LOOKS = r"\s+(?:look|looking|attend|attending|pay|paying|focus|focusing)\b"
_ITS_LINE = r"'s\s+(?:line|row|curve)\b"
_LINE_OF = r"\b(?:line|row|curve)\s+(?:for|of)\s+"
# a special token named unquoted, which no sentence has among its words ("where does [CLS] look", "movie -> [CLS]")
_SPECIAL = r"\[cls\]|\[sep\]|<bos>|<eos>|<s>|</s>"
_SPECIAL_AS_WRITTEN = {"[cls]": "[CLS]", "[sep]": "[SEP]"}
_SPECIAL_QUERY = re.compile(rf"\b(?:where|what|how\s+much)\s+(?:does|do|did|is)\s+(?:the\s+)?({_SPECIAL})(?:\s+token)?"
                            rf"{_LOOKS}|\bfrom\s+(?:the\s+)?({_SPECIAL})|(?<!\S)({_SPECIAL}){_ITS_LINE}"
                            rf"|{_LINE_OF}(?:the\s+)?({_SPECIAL})")
_ARROW_WORDS = re.compile(rf"(?<![\w'-])([\w'-]+|{_SPECIAL})\s*(?:→|->|⇒|=>)\s*([\w'-]+|{_SPECIAL})"
                          r"|(?<![\w'-])from\s+([\w'-]+)\s+to(?:wards)?\s+([\w'-]+)"
                          r"|(?<![\w'-])([\w'-]+)\s+(?:attends|looks|pays\s+attention)\s+to\s+([\w'-]+)"
                          # 「itがcatを見てる量」: English words in a Japanese question
                          r"|(?<![A-Za-z0-9'-])([a-z][\w'-]*?)\s*が\s*([a-z][a-z0-9'-]*)\s*(?:を|に)\s*(?:見|み|注目|注意)"
                          # 「妹からケーキへの注意」: two pieces of a Japanese sentence
                          r"|(?:^|(?<=[\s、。,はがをでの]))([^\x00-\x7f\s、。,.]{1,8}?)から([^\x00-\x7f\s、。,.]{1,8}?)"
                          r"(?:への|へ|に向|に対)")
# 「りんごがどこ見てるか線で」「傘からの折れ線」: one piece of a Japanese sentence, where it looks
_LOOKS_FROM_JA = re.compile(r"(?:^|(?<=[\s、。,]))([^\x00-\x7f\s、。,.]{1,10}?)(?:が|は)"
                            r"(?:どこ|何|なに|どの(?:トークン|単語|語))(?:を|に)?(?:見|み|注目)"
                            r"|(?:^|(?<=[\s、。,]))([^\x00-\x7f\s、。,.]{1,10}?)から(?:の|見た)?(?:折れ線|線)")
# "which word does bank look at most", "where does she look", "him's line", "line for which", "the word is himself":
# one word of the sentence, where it looks
_LOOKS_FROM_EN = re.compile(r"\b(?:where|what|which\s+(?:words?|tokens?)|how\s+much)\s+(?:does|do|did|is)\s+([\w'-]+)"
                            rf"{_LOOKS}|(?<![\w'-])([\w-]+){_ITS_LINE}|{_LINE_OF}([\w'-]+)"
                            r"|\bthe\s+word\s+is\s+([\w'-]+)")
# ... or a word of the sentence alone, after a line ("and not?", "and Boston", "same for box")
_ANOTHER_WORD = re.compile(r"^\W*(?:and|what\s+about|how\s+about|same\s+for|now|then)\s+([\w'-]+)\W*$")
_TO_WORDS = re.compile(r"(?<![\w'-])([\w'-]+)\s+to\s+([\w'-]+)")
_NOT_A_TOKEN_WORD = frozenset("the a an to go goes back switch change changes move set add compare up down over next "
                              "it's this that layer layers head heads token tokens same want need have has like going "
                              "from how".split())
_FROM_WORD = re.compile(r"(?<!different\s)\b(?:from|query)\s+"
                        r"(?!(?:the|a|an|this|that|these|those|now|here|there|then)\b)([\w'-]+)")


def _names_tokens(reading: Reading, latest_text: str) -> bool:
    """'What does "love" attend to?' in a follow-up: the quoted words (one or two) of the latest sentence are
    tokens, not a sentence, when the question has room for them (a query and a key)."""
    words = [word.strip() for word in reading.sentences]
    if not words or len(words) > 2 or reading.colon_sentence:
        return False
    # (more words than room, each in the sentence, are the other tokens of a choice: "does 'it' go to 'cup' or to
    # 'pitcher'?")
    return all(len(word) <= 12 and not any(char.isspace() for char in word) and word.lower() in latest_text.lower()
               for word in words)


_FILE_PATH = re.compile(r"^(?:[A-Za-z]:\\|[~.]?/|\\\\)\S*$|^\S+\.(?:py|ipynb|txt|json|csv|png|svg|html)$")


def _sort_quotes(reading: Reading, codes: list[str], quotes: list[literal.Quote]) -> None:
    """Decide for each quoted piece: an expression, a query token, or a sentence to analyse."""
    for code in codes:
        if literal.is_expression(code) and reading.expression is None:
            reading.expression = code.strip()
    reading.said_back = any(literal.said_back(quote.before, quote.after) for quote in quotes)
    quotes = [quote for quote in quotes if not literal.cited(quote)]
    # (「「見せて」と「見せてください」を比べて」: two sentences joined, the one inside the other no token of it)
    paired = {text for first, second in zip(quotes, quotes[1:], strict=False) if _JOINED.match(first.after)
              and (first.text in second.text or second.text in first.text) for text in (first.text, second.text)}
    # "I want to answer 'does …?'" beside the sentence: the question quoted is no sentence to analyse (but the words
    # quoted beside one are its tokens: "In 'Why is the sky dark?', what does 'why' attend to?")
    asked = [quote for quote in quotes if re.search(r"[?？]\s*$", quote.text) and quote.text not in paired]
    others = [quote for quote in quotes if quote not in asked]
    if asked and others and not all(_one_token(other.text) and any(has_word(question.text, other.text)
                                                                    for question in asked) for other in others):
        quotes = others
    quotes = [quote for quote in quotes if not literal.turned_down(quote)]  # 「『A』…じゃなくて『B』」: B, never A
    candidates = []
    for quote in quotes:
        if literal.is_expression(quote.text) and reading.expression is None:
            reading.expression = quote.text.strip()
        elif _one_token(quote.text) and literal.names_a_sentence(quote):
            reading.sentence_words.append(quote.text.strip())
        elif _one_token(quote.text) and literal.marks_query(quote.before, quote.after):
            reading.query = _query_value(quote.text)
        elif _one_token(quote.text) and literal.marks_key(quote.before, quote.after) and reading.key is None:
            reading.key = _query_value(quote.text)
        elif not _FILE_PATH.search(quote.text):  # 'File "C:\\work\\attn.py"' in a traceback is no sentence
            candidates.append(quote.text)
    longest = max(candidates, key=len, default="")
    for text in candidates:
        inside = has_word(longest, text)
        if text != longest and _one_token(text) and inside and reading.query is None and text not in paired:
            reading.query = _query_value(text)
        elif len(text) <= 2 and any(text in other for other in candidates if other != text):
            continue  # a particle or letter of one (「「が」から「は」に変えると」), no sentence
        elif text != longest and text.isascii() and _one_token(text) and len(longest.split()) >= 3:
            continue  # a word in scare quotes ('how a model "reads" a sentence') beside the sentence to analyse
        elif text not in reading.sentences:
            reading.sentences.append(text)


def has_word(sentence: str, word: str) -> bool:
    """The sentence has the quoted word: as a whole word in English, as a piece of it in Japanese."""
    return bool(re.search(rf"(?<!\w){re.escape(word.lower())}(?!\w)", sentence.lower())) if word.isascii() \
        else word in sentence


_JOINED = re.compile(r"^\s*(?:と|や|vs\.?|versus)\s*[「『\"'“‘]", re.I)


def only_words_quoted(reading: Reading) -> bool:
    """Every piece quoted is one word (an English word, or a short Japanese one): words of a sentence spoken of
    (「私の文だと、『it』は…」, 「友達のスライドの図だと『食べ』に…」), no sentence to analyse."""
    return all(len(text.split()) == 1 and (text.isascii() or len(text) <= 4) for text in reading.sentences)


def _one_token(text: str) -> bool:
    """A quote that can name a token: one short word ("on 'The cat sat.'" quotes a sentence)."""
    return len(text.split()) == 1 and len(text) <= 24


def _query_value(text: str) -> int | str:
    return int(text) if text.strip().isdigit() else text.strip()


def _not_failed(found: list[tuple[int, str]], text: str) -> list[tuple[int, str]]:
    """The numbers read, less those the learner says failed ("layer 7 errored out, so do layer 5", 「層20はダメだった
    から」): they are what not to ask for again."""
    def failed(phrase: str) -> bool:
        at = text.find(phrase.lower())
        after = text[at + len(phrase):]
        return at >= 0 and bool(_FAILED_AFTER.search(after) or _SKIPPED_AFTER.match(after))

    def asked_about(phrase: str) -> bool:  # "is this the last layer? try the 2nd": the one shown, asked about
        at = text.find(phrase.lower())
        return at >= 0 and bool(_ASKED_BEFORE.search(text[:at])) and bool(_ASKED_AFTER.search(text[at + len(phrase):]))

    def turned_down(phrase: str) -> bool:  # "the layers together rather than just layer 3"
        at = text.find(phrase.lower())
        return at >= 0 and bool(_RATHER_BEFORE.search(text[:at]))

    kept = [(value, phrase) for value, phrase in found if not failed(phrase) and not turned_down(phrase)]
    asked = [(value, phrase) for value, phrase in kept if asked_about(phrase)]
    return [pair for pair in kept if pair not in asked] if len(asked) < len(kept) else kept


# what stands around a number asked about, not asked for: "is this the last layer?", 「これって最終層？」
_ASKED_BEFORE = re.compile(r"(?:\b(?:is|was)\s+(?:this|that|it)\s+(?:the\s+|in\s+the\s+|from\s+the\s+)?"
                           r"|\b(?:it'?s|it\s+is|this\s+is|that'?s|that\s+is)\s+(?:the\s+|in\s+the\s+)?"
                           r"|(?:これ|それ|この図|今の)(?:って|は)?)$")
_ASKED_AFTER = re.compile(r"^\s*(?:,?\s*(?:right|correct|yeah|yes|no)\s*)?(?:\?|？)"
                          r"|^\s*(?:なの|ですか|か[?？]|だよね|でしょ)")
_RATHER_BEFORE = re.compile(r"\b(?:rather\s+than|instead\s+of|not)\s+(?:just\s+|only\s+)?(?:the\s+|in\s+|at\s+)?$")
# what follows a number left out (「最初の層は入れずに、3から」)
_SKIPPED_AFTER = re.compile(r"\s*(?:は|を)?\s*(?:入れず|入れない|飛ばし|スキップ|除外|抜い|除い|なしで)"
                            r"|\s*(?:だけ)?(?:じゃなく|ではなく)")  # 「ヘッド3だけじゃなくて平均のほうで」
# what follows a number said to have failed
_FAILED_AFTER = re.compile(r"^[^.,;!?。、，]{0,25}?(?:errored|error|failed|fails|crashed|broke|didn'?t\s+work"
                           r"|did\s+not\s+work|doesn'?t\s+exist|out\s+of\s+range|was\s+refused|ダメ|だめ|無理|エラー|範囲外|失敗"
                           r"|できなかった|動かなかった)", re.I)


def _take_replacement(reading: Reading, question: str, codes: list[str], rest: str) -> str:
    """Two expressions and "instead" (「…でIndexErrorになった。代わりに `…` を」): the later one replaces the one that
    failed."""
    if reading.expression is None or not INSTEAD.search(question):
        return rest
    written = [code.strip() for code in codes if literal.is_expression(code)]
    bare = literal.find_expression(rest)
    if len(written) >= 2:
        reading.expression = written[-1]
    elif bare is not None and (reading.expression_bare or question.find(bare) > question.find(written[-1])):
        # (one in backticks and one in prose: "`attentions[12]` fails, so attentions[11] instead")
        reading.expression, reading.expression_bare = bare, reading.expression_bare or not written
        return rest.replace(bare, " ")
    return rest


def _take_bare_expression(reading: Reading, rest: str) -> str:
    found = literal.find_expression(rest)
    if found is not None:
        reading.expression, reading.expression_bare = found, True
        return rest.replace(found, " ")
    term = literal.BARE_TERM.search(rest)
    if term is not None:
        reading.expression_term, reading.expression_bare = term.group(0).strip(), True
        dim = re.fullmatch(r"dim\s*=\s*(-?\d+)", reading.expression_term)
        # "what if dim=0?" is walked through on the usual expression with that dim
        reading.expression = CANONICAL_EXPRESSION.replace("dim=1", f"dim={dim[1]}") if dim else CANONICAL_EXPRESSION
    return rest


# a question put to the sensei ("which … can I use?"), not a sentence given to analyse
_ASKS_THE_SENSEI = re.compile(r"(?:which|what|how|why|where|can|could|do|does|is|are)\b.*\b(?:i|me|my|you)\b.*\?\s*$",
                              re.S)


def _spaced_sentence(rest: str) -> re.Match[str] | None:
    """「ヒートマップ 猫が鳴いてる」, 「東京は日本の首都です の最終層」: a Japanese clause set off by spaces beside
    the request, as typed on a phone; not a piece of the request itself (「ヘッド一覧」, 「数字みせて」)."""
    if len([piece for piece in re.split(r"[\s\u3000]+", rest) if piece]) < 2:
        return None
    return next((found for found in _SPACED_CHUNK.finditer(rest) if not _REQUEST_WORDS.search(found["text"])
                 and re.search(r"[がはをにと]", found["text"][1:]) and not _NO_CLAUSE_START.match(found["text"])
                 and not literal.said_back(found["text"], "")), None)


# (a clause has a subject or object: 「空が青い」, not 「だけでいい」 or 「それでいい」)
_NO_CLAUSE_START = re.compile(r"[だでのもはがをにとへやかねよっ]|これ|それ|あれ|どれ|この|その|あの|どの"
                              r"|ここ|そこ"
                              r"|したら|すると|して")
_SPACED_CHUNK = re.compile(r"(?:^|(?<=[\s\u3000]))(?P<text>[^\s\u3000]{3,40}?"
                           r"(?:る|た|い|だ|です|ます|ました|でした|ない)"
                           r"[。.!！]?)(?=[\s\u3000]|$)")
_REQUEST_WORDS = re.compile(r"層|ヘッド|レイヤ|ヒートマ|グラフ|折れ線|数字|数値|図|トークン|モデル|比べ|生成"
                            r"|見せ|みせ|見た|みた|描き|描こ|たかった"
                            r"|ほしい|欲しい|出して|描い|して|ください|たい|ロールアウト|ノルム|一覧|出ま|出た|出る|エラー|警告"
                            r"|願い|ねがい"
                            r"|[A-Za-z]")


def _take_colon_sentence(reading: Reading, rest: str) -> str:
    """An unquoted sentence after "sentence:" / 「文:」, before an arrow pointing at it (「…。←この文」), or named as
    one (「今日はカレーを食べた、という文で」)."""
    match = literal.COLON_SENTENCE.search(rest) or literal.LINE_SENTENCE.search(rest)
    if match is None and not JAPANESE.search(rest):
        match = _closing_sentence(rest)
    arrow = literal.ARROW_SENTENCE.search(rest) if match is None else None
    named = literal.NAMED_SENTENCE.search(rest) if match is None and arrow is None else None
    # (beside a pasted message, 「ラベルが全部□になります」 says what went wrong: no sentence to analyse)
    # (… nor beside words quoted back: 「前の答えに出てきた『因果マスク』って、なに？」)
    if match is None and arrow is None and named is None and JAPANESE.search(rest) \
            and not literal.ERROR_LINE.search(rest) and not reading.said_back:
        named = literal.TOPIC_SENTENCE.search(rest) or _english_lead(rest) or _spaced_sentence(rest) \
            or _clause_at(literal.TOPIC_CLAUSE, rest) or _clause_at(literal.LEADING_CLAUSE, rest) \
            or _japanese_in_english(rest)
    if named is not None:  # 「今日はカレーを食べた、という文で」: what follows the name is the request
        group = "text" if named.groupdict().get("text") is not None else "words"
        reading.sentences.append(rest[named.start(group):named.end(group)].strip())
        reading.colon_sentence = True
        return f"{rest[:named.start()]} {rest[named.end():]}"
    if match is None and arrow is None:
        return rest
    found = match or arrow
    start, end = found.span("text")
    if match is not None and "\n" in rest[start:end]:  # "Here's my sentence:\nWinter mornings….\nShow the heatmap.":
        end = start + rest[start:end].index("\n")  # the line after the colon, the request after it
    stop = re.search(r"[.!?。！？](?=\s)", rest[start:end])
    if stop is not None and _numbered(rest[start + stop.end():end]) and not _numbered(rest[start:start + stop.end()]):
        end = start + stop.end()  # "sentence: She sat on the bank of the river. last layer": the request goes on
    text = unicodedata.normalize("NFKC", rest[start:end]).lower()
    if _numbered(text):
        return rest  # "back to my short sentence: the heads grid at layer 0" asks for a view, it gives no sentence
    if _ASKS_THE_SENSEI.match(text):
        return rest  # "before I type any sentence: which models can I use?" is the learner's own question
    reading.sentences.append(rest[start:end].strip())
    reading.colon_sentence = True
    return f"{rest[:found.start()]} {rest[end:]}" if match else rest[end:]


def _numbered(piece: str) -> bool:
    """The piece names a layer or a head."""
    piece = unicodedata.normalize("NFKC", piece).lower()
    return any(arguments.find_numbers(rules, piece)[0] for rules in (arguments.LAYER_RULES, arguments.HEAD_RULES))


_ASKING = re.compile(r"\b(?:why|what|how|which|where|who|when|is|are|does|do|did|got|get|getting|says?|said)\b|\?",
                     re.I)


def _closing_sentence(rest: str) -> re.Match[str] | None:
    """An English sentence, unquoted, closing the request after "for" / "of" / "sentence is" ("plot every head of
    layer 2 for The dog chased the ball"), opening with a capital, or after a colon or a dash that a request (no
    question) comes before ("toks + attn shapes: The quick brown fox …"): it has three words or more, none of them
    names a model or a thing of the request, and it asks nothing ("… of BERT tend to look at different things?")."""
    found = literal.CLOSING_SENTENCE.search(rest)
    trailing = literal.TRAILING_SENTENCE.search(rest)
    head = rest[:trailing.start()].lower() if trailing is not None else ""
    if found is None and trailing is not None and not _ASKING.search(head) \
            and any(word in literal.TECHNICAL_WORDS or word in literal.REQUEST_NOUNS or word in IN_FULL_WORDS
                    for word in re.findall(r"[a-z]+", head)):
        found = trailing  # (a request before it; not "why do I get this: The labels are shifted by one")
    words = re.findall(r"[a-z0-9']+", found["text"].lower()) if found else []
    if not found or found["text"].endswith("?") or len(words) < 3 \
            or any(word in literal.TECHNICAL_WORDS or word in literal.REQUEST_NOUNS for word in words):
        return None
    return found if not find_models(found["text"])[0] else None


def _clause_at(pattern: re.Pattern[str], rest: str) -> re.Match[str] | None:
    """A Japanese clause, unquoted, where `pattern` finds one (after 「文は」 at the end, or opening the question
    before 「。の」 or a space): it has a subject or an object, and no word of the request."""
    found = pattern.search(rest)
    # (「前の答えに出てきた」 before a term: where the term was said, no sentence)
    if found is None or not _whole_clause(found["text"]) or _NO_CLAUSE_START.match(found["text"]) \
            or literal.said_back(found["text"], ""):
        return None
    return found if re.search(r"[がはをにと]", found["text"][1:]) else None


def _whole_clause(text: str) -> bool:
    """No word of the request in it, and not cut at a particle by a quote (「右側の線を『…』の行に」: a piece of the
    request)."""
    return not _REQUEST_WORDS.search(text) and text[-1] not in "をはがもへ"


# a Japanese clause standing between English words ("In 象は鼻が長い, plot where 長い is looking")
_JAPANESE_RUN = re.compile(r"(?<![^\s,.:;(])(?P<text>[ぁ-ゖァ-ヺー一-龯々][ぁ-ゖァ-ヺー一-龯々、。]{4,40})"
                           r"(?=[\s,.?!:;)]|$)")


def _japanese_in_english(rest: str) -> re.Match[str] | None:
    """A Japanese clause, unquoted, in an English question ("Can you tag the head roles for 駅の前に新しいパン屋が
    できました?"): the longest, with two particles inside and no word of the request; not one word ("why is
    いらっしゃった split", "which word does ありがとう look at?"), nor beside a model id ("cl-tohoku/… を読み込
    んで")."""
    found = max(_JAPANESE_RUN.finditer(rest), key=lambda match: len(match["text"]), default=None)
    if found is None or not _whole_clause(found["text"]) \
            or len(re.findall(r"[がはをにとで]", found["text"][1:-1])) < 2 \
            or len(found["text"]) < 8 and not re.search(r"[ァ-ヺ一-龯々]", found["text"]):
        return None
    # (the rest is English: three words or more, no model id or path, no other Japanese clause)
    around = f"{rest[:found.start()]} {rest[found.end():]}"
    words = [word for word in around.split() if re.fullmatch(r"[A-Za-z]{2,}[,.?!]?", word)]
    return found if len(words) >= 3 and not re.search(r"[ぁ-ゖァ-ヺ一-龯々]{4,}", around) else None


def _english_lead(rest: str) -> re.Match[str] | None:
    """An English sentence, unquoted, opening a Japanese question; not one of words about attention."""
    lead = literal.LEADING_SENTENCE.search(rest)
    words = re.findall(r"[a-z0-9']+", lead["text"].lower()) if lead else []
    return lead if lead and not any(word in literal.TECHNICAL_WORDS for word in words) else None


def _take_models(reading: Reading) -> None:
    """The models named, less those turned down ("not gemma") or replaced by a correction ("gemma… no wait,
    the smollm one")."""
    corrections = list(arguments.CORRECTION.finditer(reading.rest))
    models, rest = find_models(reading.rest)
    if corrections:  # the models named after the correction stand for as many named last before it
        before = find_models(reading.rest[:corrections[-1].start()])[0]
        later = find_models(reading.rest[corrections[-1].end():])[0]
        if later and before:
            models = list(dict([*before[:max(0, len(before) - len(later))], *later]).items())
    turned = {model for model, _ in find_models(" ".join(reading.turned_down))[0]}
    posts = {model for found in arguments.THE_POSTS_MODEL.finditer(reading.rest)
             for model, _ in find_models(found[0])[0]}
    if any(model not in posts for model, _ in models):  # the post's model beside another: the other is run
        turned |= posts
    reading.models, reading.rest = [(model, phrase) for model, phrase in models if model not in turned], rest


def _take_arguments(reading: Reading) -> None:
    reading.strict, reading.rest = arguments.take_flag(arguments.STRICT, reading.rest)  # "not a stand-in"
    reading.turned_down, reading.rest = arguments.take_turned_down(reading.rest)
    _take_models(reading)
    reading.mean_heads, reading.rest = arguments.take_first(arguments.MEAN_HEADS, reading.rest)
    annotate_off, reading.rest = arguments.take_flag(arguments.ANNOTATE_OFF, reading.rest)
    keep_special, reading.rest = arguments.take_flag(arguments.KEEP_SPECIAL, reading.rest)
    head_off, reading.rest = arguments.take_flag(arguments.HEAD_OFF, reading.rest)
    query_off, reading.rest = arguments.take_flag(arguments.QUERY_OFF, reading.rest)
    words_off, reading.rest = arguments.take_flag(arguments.WORDS_OFF, reading.rest)
    reading.annotate, reading.rest = arguments.take_flag(arguments.ANNOTATE, reading.rest)
    reading.exclude_special, reading.rest = arguments.take_flag(arguments.EXCLUDE_SPECIAL, reading.rest)
    turned_down = " ".join(reading.turned_down)
    reading.off = {name for name, off in (
        ("annotate", annotate_off or bool(re.search(r"numbers?|values?|数値|数字|値", turned_down))),
        ("exclude_special", keep_special),
        ("head", head_off or bool(reading.mean_heads) or bool(re.fullmatch(r"\D*(?:heads?|ヘッド)\D*", turned_down))),
        ("query", query_off),
        ("words", words_off),
    ) if off}
    reading.words, reading.rest = arguments.take_flag(arguments.WORDS, reading.rest)
    reading.earlier_figure, reading.rest = arguments.take_earlier_figure(reading.rest)
    if not reading.sentences:
        first, reading.rest = arguments.take_flag(arguments.FIRST_SENTENCE, reading.rest)
        second, reading.rest = arguments.take_flag(arguments.SECOND_SENTENCE, reading.rest)
        other, reading.rest = arguments.take_flag(arguments.OTHER_SENTENCE, reading.rest)
        newest, reading.rest = arguments.take_flag(arguments.NEWEST_SENTENCE, reading.rest)
        long, reading.rest = arguments.take_flag(arguments.LONG_SENTENCE, reading.rest)
        short, reading.rest = arguments.take_flag(arguments.SHORT_SENTENCE, reading.rest)
        pair, reading.rest = arguments.take_flag(arguments.BOTH_SENTENCES, reading.rest)
        english, reading.rest = arguments.take_flag(arguments.ENGLISH_SENTENCE, reading.rest)
        japanese, reading.rest = arguments.take_flag(arguments.JAPANESE_SENTENCE, reading.rest)
        reading.earlier = "first" if first else "second" if second else "other" if other else "newest" if newest \
            else "long" if long else "short" if short else "pair" if pair else "english" if english \
            else "japanese" if japanese else None
    same_scale = bool(arguments.SAME_SCALE.search(reading.rest))
    top = arguments.SCALE_TOP.search(reading.rest)
    if top is not None:
        reading.rest = literal.blank(reading.rest, *top.span())
    fixed, reading.rest = arguments.take_flag(arguments.FIXED_SCALE, reading.rest)
    reading.color_max = float(next(g for g in top.groups() if g)) if top else 1.0 if fixed else None
    reading.same = arguments.same_choices(reading.rest) + (("color_max",) if same_scale else ())
    reading.more_tokens = bool(arguments.MORE_TOKENS.search(reading.rest))
    counts, reading.rest = arguments.find_numbers(arguments.NEW_TOKEN_RULES, reading.rest)
    reading.new_tokens = counts[0][0] if counts else None
    longer, reading.rest = arguments.take_flag(arguments.LONGER, reading.rest)
    if longer and reading.new_tokens is None:  # "longer", 「もっと続けて」
        reading.more_tokens, reading.new_tokens = True, arguments.LONGER_BY
    twice, reading.rest = arguments.take_flag(arguments.TWICE, reading.rest)
    if twice and reading.new_tokens is None:  # with no generation before it: twice LONGER_BY
        reading.twice, reading.new_tokens = True, 2 * arguments.LONGER_BY
    reading.layers, reading.rest = arguments.find_numbers(arguments.LAYER_RULES, reading.rest)
    steps, reading.rest = arguments.find_numbers(arguments.LAYER_STEP_RULES, reading.rest)
    reading.layer_step = steps[0] if steps and not reading.layers else None
    head_steps, reading.rest = arguments.find_numbers(arguments.HEAD_STEP_RULES, reading.rest)
    bare_steps, reading.rest = arguments.find_numbers(arguments.STEP_ALONE, reading.rest)
    reading.head_step = head_steps[0] if head_steps else None
    reading.step = bare_steps[0] if bare_steps else None
    reading.heads, reading.rest = arguments.find_numbers(arguments.HEAD_RULES, reading.rest)
    reading.layers = _not_failed(reading.layers, reading.plain)
    reading.heads = _not_failed(reading.heads, reading.plain)
    if reading.key is None:
        reading.key, reading.rest = arguments.find_key(reading.rest)
    if reading.query is None:
        reading.query, reading.rest = arguments.find_query(reading.rest)
