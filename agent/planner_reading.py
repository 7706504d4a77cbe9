"""Passes 1 and 2 of the offline planner: reading a question into a `Reading`.

    1. pull out what is quoted or in backticks (agent/planner_quotes.py) and what was typed without quotes
       (agent/unquoted.py): the sentence(s) to analyse, a query token, an expression
    2. read the arguments from the rest (agent/planner_arguments.py): models, layers, heads, flags, the number of
       new tokens, and the words of the sentence named as a query or key token without quotes

Each pass blanks out the words it used, so "mean over all heads" is not also read as "all heads".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from agent import planner_arguments as arguments
from agent import planner_edits as edits
from agent import planner_numbers as numbers
from agent import planner_quotes as literal
from agent import unquoted
from agent.model_names import find_models
from agent.question_form import detect_language
from prompts import Language

__all__ = ["Reading", "read", "sentence_words", "has_word", "only_words_quoted"]


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
        reading.expression, reading.expression_term, raw = unquoted.bare_expression(raw)
        reading.expression_bare = reading.expression is not None
    reading.expression, reading.expression_bare, raw = unquoted.replacement(
        reading.expression, reading.expression_bare, question, codes, raw)
    if not reading.sentences:
        typed, raw = unquoted.sentence(raw, reading.said_back)
        if typed is not None:  # "sentence: The cat sat.", 「今日はカレーを食べた、という文で」
            reading.sentences.append(typed)
            reading.colon_sentence = True
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
    reading.more_tokens = bool(numbers.MORE_TOKENS.search(reading.rest))
    counts, reading.rest = numbers.find_numbers(numbers.NEW_TOKEN_RULES, reading.rest)
    reading.new_tokens = counts[0][0] if counts else None
    longer, reading.rest = arguments.take_flag(numbers.LONGER, reading.rest)
    if longer and reading.new_tokens is None:  # "longer", 「もっと続けて」
        reading.more_tokens, reading.new_tokens = True, numbers.LONGER_BY
    twice, reading.rest = arguments.take_flag(numbers.TWICE, reading.rest)
    if twice and reading.new_tokens is None:  # with no generation before it: twice LONGER_BY
        reading.twice, reading.new_tokens = True, 2 * numbers.LONGER_BY
    reading.layers, reading.rest = numbers.find_numbers(numbers.LAYER_RULES, reading.rest)
    steps, reading.rest = numbers.find_numbers(numbers.LAYER_STEP_RULES, reading.rest)
    reading.layer_step = steps[0] if steps and not reading.layers else None
    head_steps, reading.rest = numbers.find_numbers(numbers.HEAD_STEP_RULES, reading.rest)
    bare_steps, reading.rest = numbers.find_numbers(numbers.STEP_ALONE, reading.rest)
    reading.head_step = head_steps[0] if head_steps else None
    reading.step = bare_steps[0] if bare_steps else None
    reading.heads, reading.rest = numbers.find_numbers(numbers.HEAD_RULES, reading.rest)
    reading.layers = _not_failed(reading.layers, reading.plain)
    reading.heads = _not_failed(reading.heads, reading.plain)
    if reading.key is None:
        reading.key, reading.rest = arguments.find_key(reading.rest)
    if reading.query is None:
        reading.query, reading.rest = arguments.find_query(reading.rest)
