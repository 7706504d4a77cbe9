"""Reading a question's literal parts: backtick code, quoted sentences and tokens, expressions, bare terms.

Readers that find something return it with the text where its words are blanked out (replaced by
spaces), so later readers and the intent cues do not read the same words twice. Patterns are
compiled with re.ASCII, so that a word boundary also falls between English and Japanese
("BERTに", "Attentionを").
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

__all__ = [
    "asked_as_term", "asked_by_someone", "said_back", "surroundings", "names_a_sentence",
    "Quote", "take_code", "take_quotes", "is_expression", "find_expression", "term_knowledge", "marks_query",
    "marks_key", "ascii_pattern", "blank", "BARE_TERM", "COLON_SENTENCE", "ARROW_SENTENCE", "NAMED_SENTENCE",
    "TOPIC_SENTENCE", "TOPIC_CLAUSE", "LEADING_CLAUSE", "CLOSING_SENTENCE", "TRAILING_SENTENCE", "REQUEST_NOUNS",
    "WHAT_IS_SHOWN", "LEADING_SENTENCE", "TECHNICAL_WORDS", "ERROR_LINE", "LINE_SENTENCE",
]


def ascii_pattern(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags | re.ASCII)


def blank(text: str, start: int, end: int) -> str:
    """The text with [start, end) replaced by spaces, so positions stay where they were."""
    return text[:start] + " " * (end - start) + text[end:]


@dataclass(frozen=True)
class Quote:
    text: str  # exactly as written
    before: str  # a little of the question before the quote, lower-cased
    after: str


# --- quotes, code and expressions (on the question as written) --------------------------------------

_CODE = ascii_pattern(r"```(?:python|py)?\s*(.+?)```|`([^`\n]+)`", re.S)
_QUOTES = (
    ascii_pattern(r"“([^“”]+)”"),
    ascii_pattern(r"”([^“”]+)”"),  # ”…” as a Japanese input method types both
    ascii_pattern(r"‘((?:[^‘’]|’(?=[A-Za-z]))+?)’(?![A-Za-z0-9])"),  # ’ before a letter is an apostrophe
    ascii_pattern(r'"([^"]+)"'),
    ascii_pattern(r"(?<![A-Za-z0-9.])'((?:[^']|'(?=[A-Za-z]))+?)'(?![A-Za-z0-9])"),  # not "what's", "et al.'s"
)
_SINGLE = ("‘", "'")  # a single-quoted sentence needs at least 2 characters
_BRACKETS = {"「": "」", "『": "』"}  # may nest: 「彼は「はい」と言った」
_DATA_NAMES = {"outputs", "attentions", "attention"}
_MODEL_ONLY = ascii_pattern(  # a quoted model name is no sentence to analyse
    r"minilm|gemma(?:-270m)?|smollm2(?:-135m)?|[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*|bert-[\w.-]+", re.I
)
_SAFE_NODES = (ast.Expression, ast.Name, ast.Attribute, ast.Subscript, ast.Call, ast.Constant, ast.UnaryOp,
               ast.USub, ast.Slice, ast.Tuple, ast.Load, ast.keyword)
_EXPRESSION_START = ascii_pattern(r"\b(?:torch|outputs|attentions?)\b")
BARE_TERM = ascii_pattern(
    r"\bdim\s*=\s*-?\d+|\[\s*0\s*\]|\.?\bdetach\b(?:\(\))?|\.numpy\(\)|\btorch\.mean\b|\bkeepdim\b", re.I
)
COLON_SENTENCE = ascii_pattern(
    # "same sentence: …" points back: what follows is no new sentence
    r"(?:(?<!same\s)(?<!that\s)(?<!previous\s)(?<!first\s)(?<!second\s)(?<!other\s)(?<!同じ)\bsentences?(?:\s+is)?"
    r"(?:\s*\([^()\n]{0,20}\))?"  # ("Sentence (no quotes): …")
    r"|(?<!same\s)\btexts?|\binput|\bprompt"
    r"|\b(?:from|of|on|with|for|analy[sz]e|extract|tokenize)\s+this|\bfollowing"
    r"|\b(?:for|of|in)|文章?|テキスト|プロンプト"
    r"|見たい|見せて|ください|下さい|お願い(?:します)?|おねがい(?:します)?|ほしい|欲しい|描いて"  # 「…見たい：猫が…」
    r"|出して"
    r"|(?:これ|こちら|この文)(?:で|を|は)?|試しに|例えば|たとえば"  # (「試しにこれで：駅前に…」)
    r"|\bplease|\bpl[sz]"  # "heatmap pls: She sold seashells"
    # "ok try this one instead: My sister …", 「３層目のヒートマップ：鳥が…」
    r"|\b(?:this|that)\s+one(?:\s+instead)?|\binstead|\btry\s+this|(?:ヒートマップ|折れ線(?:グラフ)?|グラフ|の図)(?:で|に)?)"
    r"\s*[:：]"
    r"\s*(?P<text>\S.*?)\s*$", re.I | re.S)
# "Tokenize this and give me the attention shapes:\nThe committee postponed the vote.": a line of its own after a colon
# (no code: a line with brackets, an "=" or backticks, nor a message "SomeError: …")
# a pasted traceback or error line, whether or not the knowledge knows its message
ERROR_LINE = re.compile(r"Traceback \(most recent call last\)|(?<![\w.])[A-Z]\w*(?:Error|Exception|Warning): ")
LINE_SENTENCE = re.compile(r"[:：][ \t]*\n\s*(?![^\n]*[=(){}\[\]`<>]|[^\n]*\w(?:Error|Warning|Exception)\b)"
                           r"(?P<text>[^\n]*\w[^\n]*?)[ \t]*(?=\n|$)")
# 「今日はカレーを食べた、という文で…」「きのう映画みた って文」: an unquoted Japanese sentence named as one
NAMED_SENTENCE = re.compile(r"^\s*(?:(?:じゃあ|では|次は|今度は|ところで)[、,]?\s*)?"
                            r"(?P<text>(?!(?:これ|それ|あれ|この|その|あの))[^「」『』\"'、,。!?！？\n][^「」『』\"'\n]{3,40}?)\s*[、,]?\s*"
                            r"(?:という|っていう|って|との)(?:文|文章|例文|センテンス)")
# what the figure shown shows, asked ("hmm so what am I actually seeing here", 「これ何が描かれてるの?」)
WHAT_IS_SHOWN = re.compile(r"\bwhat\s+am\s+i\s+(?:actually\s+|even\s+|really\s+)?(?:seeing|looking\s+at)\b"
                           r"|\bwhat\s+(?:does|is)\s+(?:this|that|it)\s+(?:figure\s+|plot\s+|chart\s+|picture\s+)?"
                           r"(?:show|showing)\b|何が(?:見えて|描かれて|表示されて)|何を(?:表して|示して)", re.I)
# 「…見たい　文は The dog chased the ball」: an English sentence, unquoted, after 「文は」 at the end
TOPIC_SENTENCE = re.compile(r"(?:文|文章|例文|テキスト|プロンプト)(?:は|を)\s*"
                            r"(?P<text>[A-Za-z][A-Za-z0-9',!?.\s-]*?)\s*[。.]?\s*$"
                            # (「文は The quick brown fox … で」: three words or more before で, not 「文をgemmaで」)
                            r"|(?:文|文章|例文|テキスト|プロンプト)(?:は|を)\s*"
                            r"(?P<words>[A-Za-z][A-Za-z0-9',!?.-]*(?:\s+[A-Za-z0-9',!?.-]+){2,})"
                            r"\s*で(?:[、,]|(?:お願い(?:します)?)?\s*[。.]?\s*$)")  # (「…で、トークンを見せて」)
# "plot every head of layer 2 for The dog chased the ball", "…, sentence is Dogs chase cats": an English sentence,
# unquoted, closing the request; a capital opens it (unquoted._closing_sentence checks its words)
CLOSING_SENTENCE = re.compile(r"(?i:\b(?:(?:for|of|on|with)\s+(?:the|this|my)\s+(?:sentence|text)|for|of|on"
                              r"|sentence\s+is|text\s+is))\s+"
                              # (not "the sentence I mentioned to you last week": which one, unsaid)
                              r"(?!(?:I|you|we)\s+(?:mentioned|wrote|gave|typed|used|said|sent|showed|had|made|tried)\b)"
                              r"(?P<text>[A-Z][\w']*(?:[ \t]+[\w',!?.-]+){2,}?)[ \t]*[.!]?[ \t]*$")
# "toks + attn shapes: The quick brown fox …", "rollout from layer 2 onward -- Birds fly south in winter": an
# English sentence after a colon or a dash, closing a request that names no "sentence" before it
TRAILING_SENTENCE = re.compile(r"(?:[:：]|[ \t]--?[ \t]|[ \t]—[ \t])[ \t]*"
                               r"(?!(?:I|I'[a-z]+|My|Just|So|And|But|Also|Please|Thanks|Now|Then|Ok|Okay)\b)"
                               r"(?P<text>[A-Z][^:\n]*?)[ \t]*$")
REQUEST_NOUNS = frozenset({"please", "pls", "text", "sentence", "sentences", "version", "example", "word", "words",
                           "code", "chart", "heatmap", "plot", "figure", "line", "lines", "grid", "view", "map",
                           "japanese", "english", "numbers", "values", "matrix", "lesson", "explorer"})
# 「ヘッド一覧を最後の層で、文は電車が遅れて会議に間に合わなかった」: a Japanese clause after 「文は」 closing the
# question; 「先生が生徒に本を渡した。のノルム…」「むかしむかしあるところに　の続き」: one opening it, before 「。」
# or a space and a particle (unquoted._clause_at checks it is a clause and no part of the request)
TOPIC_CLAUSE = re.compile(r"(?:^|[、,\s\u3000])(?:文|文章|例文|テキスト|プロンプト)(?:は|を)\s*"
                          r"(?P<text>[^\s\u3000「」『』、,？?\n]{5,60}?)\s*[。.]?\s*$")
LEADING_CLAUSE = re.compile(r"^\s*(?P<text>[^\s\u3000「」『』\"'、,。!?！？\n]{4,40}?(?:[。!！]|(?=[\s\u3000])))"
                            r"[\s\u3000]*(?:の(?![はがも])|で(?![はも])|を|って)")
# 「I love natural language processing! のトークンと形状を出して」: an English sentence, unquoted, opening a Japanese
# question (three words or more, not words about attention: "multi head attention の仕組み" is a topic; not the
# learner's own English question around a Japanese word, unpunctuated: "why cant the first の see 車")
LEADING_SENTENCE = re.compile(r"^\s*(?!(?i:why|how|what|where|which|who|when|does|do|did|can|could|is|are)\b"
                              r"[^!?.。]*?\s*(?:の|で|を|って))"
                              r"(?P<text>[A-Za-z][A-Za-z0-9',!?.-]*(?:\s+[A-Za-z0-9',!?.-]+){2,})"
                              r"\s*(?:の|で|を|って)")
TECHNICAL_WORDS = frozenset({"attention", "attentions", "head", "heads", "layer", "layers", "token", "tokens", "model",
                             "query", "key", "value", "softmax", "self", "multi", "mask", "causal", "encoder",
                             "decoder", "transformer", "transformers", "output", "outputs", "weights", "sink"})
# 「東京は日本の首都です。 ←この文の…」: an unquoted sentence pointed at from after it
# ... or from the line under it ("The surgeon thanked the nurse\n^ heatmap it. L3 H2.")
ARROW_SENTENCE = re.compile(r"^\s*(?P<text>\S.*?)\s*(?:(?:←|⬅|<-{1,2})\s*(?:この|これ|その|this|that)"
                            r"|(?<=\S)[ \t]*\n\s*(?:\^|↑))", re.I | re.S)
_TERM_KNOWLEDGE = (("dim", "mean_over_heads"), ("torch.mean", "mean_over_heads"), ("keepdim", "mean_over_heads"),
                   ("[", "dims_and_shapes"), ("detach", "requires_grad_numpy"), ("numpy", "requires_grad_numpy"))


_KEYWORD_STRING = re.compile(r"""([(,]\s*\w+\s*=\s*)(["'])[^"'\n]*\2""")


def take_code(question: str) -> tuple[str, list[str]]:
    """Pull out backtick spans. Code that is no expression (a model id in backticks) stays, unwrapped."""
    codes: list[str] = []

    def replace(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2)
        if is_expression(code):
            codes.append(code)
            return " "
        return _KEYWORD_STRING.sub(r"\1", code)  # cmap="YlGnBu", return_tensors="pt": options, never the sentence

    return _CODE.sub(replace, question), codes


def take_quotes(text: str) -> tuple[str, list[Quote]]:
    """Pull out quoted pieces, outermost first; model names in quotes stay in the text, unwrapped."""
    spans = sorted(_bracket_spans(text) + _quote_spans(text), key=lambda s: (s[0], -s[1]))
    outer: list[tuple[int, int, str]] = []
    for span in spans:
        if not outer or span[0] >= outer[-1][1]:
            outer.append(span)
    pieces, quotes, position = [], [], 0
    for start, end, content in outer:
        pieces.append(text[position:start])
        before, after = surroundings(text, start, end)
        if re.search(r"\w\s*=\s*$", before) and re.fullmatch(r"[A-Za-z0-9_.-]{1,24}", content):
            pieces.append(" ")  # a keyword's value in pasted code (return_tensors="pt", projection="3d"): no sentence
        elif _MODEL_ONLY.fullmatch(content.strip()) or asked_as_term(content, before, after):
            pieces.append(f" {content} ")  # a model or a term asked about ('what does "sink" mean'), no sentence
        else:
            quotes.append(Quote(content, before, after))
            pieces.append(" ")
        position = end
    pieces.append(text[position:])
    return "".join(pieces), quotes


def asked_as_term(content: str, before: str, after: str) -> bool:
    """A quoted term asked about ('what does "sink" mean', 「シンク」とは): short, no sentence
    ('「…です。」って何トークン?' quotes a sentence), with a term's question words around it."""
    content = content.strip()
    if len(content) > 20 or re.search(r"[。.!?！？]$", content) or _QUERY_AFTER.search(after):
        return False  # ("what is 'it' attending to?" asks where a token looks)
    if content.lower() in TECHNICAL_WORDS and not _QUERY_BEFORE.search(before.lower()) \
            and not _KEY_BEFORE.search(before.lower()):  # ("how does 'is' attending to 'key' change": a token)
        return True  # "I heard each 'head' makes its own": a word of the field, quoted, is no sentence
    return bool(_TERM_BEFORE.search(before.lower()) or _TERM_AFTER.search(after.lower()))


def _bracket_spans(text: str) -> list[tuple[int, int, str]]:
    spans = []
    for opener, closer in _BRACKETS.items():
        depth, start = 0, 0
        for index, char in enumerate(text):
            if char == opener:
                start = index if depth == 0 else start
                depth += 1
            elif char == closer and depth:
                depth -= 1
                if depth == 0 and index > start + 1:
                    spans.append((start, index + 1, text[start + 1:index]))
    return spans


def _quote_spans(text: str) -> list[tuple[int, int, str]]:
    spans = []
    for pattern in _QUOTES:
        for match in pattern.finditer(text):
            content = match.group(1)
            # (but one punctuation mark, quoted as a token: "where does the '!' look", "what '.' attends to")
            if match.group(0)[0] in _SINGLE and len(content.strip()) < 2 \
                    and not (len(content) == 1 and not content.isalnum() and not content.isspace()):
                continue
            if content.strip():
                spans.append((match.start(), match.end(), content))
    return spans


def is_expression(code: str) -> bool:
    """Python that reads outputs.attentions with indexing and calls (not a bare name, not a sentence)."""
    code = code.strip()
    if not code or not code.isascii():
        return False
    try:
        tree = ast.parse(code, mode="eval")
    except SyntaxError:
        return False
    nodes = list(ast.walk(tree))
    names = {node.id for node in nodes if isinstance(node, ast.Name)}
    safe = all(isinstance(node, _SAFE_NODES) for node in nodes)
    known = names <= _DATA_NAMES | {"torch"} and bool(names & _DATA_NAMES)
    return safe and known and not isinstance(tree.body, ast.Name | ast.Tuple)


def find_expression(text: str) -> str | None:
    """The longest ASCII run starting at torch/outputs/attentions that parses as an expression which
    indexes or calls something: a bare "outputs.attentions" in prose is a topic, not code to walk through."""
    for match in _EXPRESSION_START.finditer(text):
        end = match.start()
        while end < len(text) and text[end].isascii() and text[end] not in "?" \
                and not (text[end] == "." and text[end + 1:end + 2].isspace()):  # "….numpy(). What happens …"
            end += 1
        for stop in range(end, match.end(), -1):
            candidate = text[match.start():stop].strip()
            if is_expression(candidate) and _operates(candidate):
                return candidate
    return None


def _operates(code: str) -> bool:
    return any(isinstance(node, ast.Subscript | ast.Call) for node in ast.walk(ast.parse(code, mode="eval")))


def term_knowledge(term: str) -> tuple[str, ...]:
    """The knowledge entry that explains a bare term such as "dim=1" or ".detach()"."""
    term = term.lower()
    return tuple(dict.fromkeys(entry for word, entry in _TERM_KNOWLEDGE if word in term))[:1]


_QUERY_BEFORE = ascii_pattern(r"(?:\bfrom|\btoken|\bword|\bquery|\brow\s+of)\s*(?:the\s+)?(?:token\s+|word\s+)?$"
                              r"|クエリ(?:は|が|[:：=])?\s*$")  # (「クエリ「鍵」」「クエリ：『鍵』」)
_QUERY_AFTER = ascii_pattern(r"^\s*(?:から|トークンから|という?トークンから|の行|が(?:どこ|何|なに)(?:に|を|見|向)"
                             r"|が注目|が見て"
                             r"|が向いて|\s*(?:->|→|=>)|が\s*[「『\"'“‘]"  # 「自分」が「花子」を見る
                             r"|の(?:注目先|注意先|見ている先)|は[、,]?\s*(?:どこ|何|なに)を(?:見|注目)"
                             r"|(?:attends?|attending|looks?|looking|is\s+looking|is\s+attending|pays\s+attention"
                             r"|focus(?:es)?|(?:go(?:es)?|going|points?|pointing|refers?|referring|lean(?:s|ing)?)"
                             r"\s+(?:to|towards?)\b))",
                             re.I)
_TERM_BEFORE = ascii_pattern(r"(?:\bwhat(?:\s+(?:even|exactly|really|actually))?\s+(?:is|are)|\bwhat'?s(?:\s+even)?"
                             r"|\bmeaning\s+of|\bdefine|\bdefinition\s+of|\bmeasure|\bquantify)"
                             r"\s*(?:the\s+|an?\s+)?(?:word\s+|term\s+)?$"
                      r"|\b(?:the\s+)?(?:term|concept|notion|jargon)\s*$|\b(?:so-called|called)\s*$", re.I)
# (「『…』って何トークン?」 asks how the quoted text is split: a sentence, no term)
# (a kind named by the quote: 「「直前のトークンを見る」タイプって、どういう…」, 'what do "sink" heads mean')
_TERM_AFTER = ascii_pattern(r"^\s*(?:(?:タイプ|型|係)って[、,\s]*(?:どういう|何|なに)"
                            r"|(?:(?:タイプ|型|係|ヘッド|heads?\b|type\b|kind\b)\s*)?"
                            r"(?:mean\b|means\b|stand\s+for|とは|って[、,\s]*(?:何|なに)(?!\s*(?:トークン|個|文字))|って言葉"
                            r"|ってどういう|ってどこ(?:のこと|の話)|って(?:何|なに|なん)のこと|の意味|(?:という|っていう)(?:言葉|用語|概念)"
                            r"|(?:という|っていう)の(?:が|は)[、,\s]*(?:よく|いまいち|あまり)?(?:分から|わから|分かりません|わかりません)"
                            # (「「マルチヘッド」を30秒で説明したい」: a term to explain)
                            r"|を[^「『。!?！？]{0,10}?説明(?:したい|する|して|して(?:ください|ほしい)|できる))"
                            # (a kind of head: "the difference between a 'broad' head and a 'sink' head")
                            r"|(?:heads?|types?|kinds?)\b(?!\s+(?:of|in|at|for)\b)|(?:ヘッド|タイプ|型)(?:と|って|は|の違い))",
                            re.I)


# a quote cited, not given to analyse: 「「先頭トークンはシンクになる」とあった」, 'a paper claims "…"', a question
# someone might ask (「生徒に「なぜ…のか」と聞かれたら」), what someone asked for or read (「「立体的な図」を頼まれ」,
# 「…と読みました」, "my boss wants 'the attention stuff'"), and a title (『…』という記事, a 'common mistakes' slide,
# a post called "Meet the heads")
_CITED_AFTER = re.compile(r"^\s*(?:と|って)\s*(?:あった|ありました|ある|書いて|書かれ|言われ|言って|聞かれ|聞い"
                          r"|読み|読んだ|指摘|いう(?:説|主張|話)|主張|説明され|頼まれ|題し)"
                          r"|^\s*(?:という|っていう|との|と題した)\s*(?:記事|タイトル|題|名前|スライド|節|章|論文|本|ブログ|見出し"
                          r"|発表)"
                          r"|^\s*を\s*(?:頼まれ|紹介し|扱い|扱う|テーマ|書きたい|書こう|書く|輪読|担当|発表)|^\s*を[^「『。!?！？]{0,14}?(?:と|って)(?:言われ|頼まれ)"
                          r"|^\s*(?:slide|talk|post|section|chapter|lecture|workshop|deck|page|column|article|episode|session"
                          r"|part|segment|module|unit|seminar|meetup)s?\b"
                          # (「「よくある失敗」のスライド」「「3Dはやめた方がいい」って話をする前に」: a title, a line)
                          r"|^\s*の\s*(?:スライド|パート|章|節|コーナー|回)|^\s*(?:って|という|っていう)\s*話"
                          # (a term, not a sentence: ヘッドごとに「何係」なのか, 「直前を見る係」みたいな札)
                          r"|^\s*なのか|^(?:\s*[「『][^」』]{1,20}[」』])*\s*(?:みたいな|のような|といった|などの)\s*"
                          r"(?:札|ラベル|名札|名前|分類|係|役割|タグ|ポスター|展示|テーマ|タイトル|見出し)"
                          # (an example of what happens: 「『を食べ』みたいに変なとこで切れてる」)
                          r"|^\s*みたいに|^\s*みたいな(?:やつ|もの|の)\s*[?？。!！…]*\s*$")
_CITED_BEFORE = ascii_pattern(r"\b(?:paper|article|author|book|blog|post|someone|people|he|she|they|teacher|professor"
                              r"|colleague|friend|student|manager|boss|supervisor|pm|editor|reviewer|partner|mentor"
                              r"|advisor|instructor|lecturer|tutor|coach|tutorial|team|client|customer)s?\b[^'\"“”]{0,90}"
                              r"\b(?:says?|said|saying|claims?|wrote|writes|told\s+me|telling\s+me|tells\s+me|asks?|asked(?:\s+me)?"
                              r"|asking|wants?|wanted)(?:\s+(?:that|for|to|i\s+should|we\s+should|me\s+to))?\s*:?\s*$"
                              # (what someone holds, quoted inside it: 'my advisor keeps saying pronouns "look back"')
                              r"|\b(?:paper|article|author|book|blog|post|someone|people|he|she|they|teacher|professor"
                              r"|colleague|friend|student|manager|boss|supervisor|advisor|instructor|lecturer|speaker"
                              r"|presenter)s?\b[^'\"“”.!?]{0,60}\b(?:says|said|saying|claims|claimed|argues|argued|thinks"
                              r"|believes|insists)\b[^'\"“”.!?]{0,60}$"
                              r"|(?<!\bit\s)(?<!\bthis\s)(?<!\bthat\s)(?<!\bsentence\s)(?<!\btext\s)"
                              r"\b(?:said|says|saying|claimed|claims)\s+(?:that\s+)?:?\s*$"
                              r"|\bin\s+(?:his|her|their|my|your|its)\s+(?:own\s+)?words\s*,?\s*$"
                              r"|\b(?:called|titled|entitled|so[- ]called)\s*$"
                              # (a topic or title: 'next week's topic is "how chatbots read"', 'a report due Friday
                              # on "what BERT-like models attend to"')
                              r"|\b(?:topic|title|theme|subject|heading|motto)\s+(?:is|was|will\s+be)?\s*:?\s*$"
                              r"|\b(?:report|essay|talk|presentation|paper|post|thesis|assignment|lecture|seminar"
                              r"|workshop)\b[^'\"“”.!?]{0,40}\b(?:on|about)\s*$")
# the sensei's own words (or its figure's) quoted back: "you said gemma 'reads Japanese too'", "your answer said
# 'each row adds up to 1'", "the title says 'layer -1'", 「回答に出てきた『ロールアウト』」,
# 「『貪欲法で生成』って書いてたけど」: cited, and their words are what is asked about
_SAID_BACK_BEFORE = ascii_pattern(
    r"(?:\b(?:you|u)\s+(?:(?:just|also|earlier|before|previously|once)\s+)?(?:said|wrote|mentioned|called|stated|claimed"
    r"|told\s+me|described)"
    r"|\b(?:your|the|that|this)\s+(?:(?:last|previous|earlier|first)\s+)?(?:answer|reply|explanation|message|response"
    r"|note|title|caption|label|legend|result|output|checks?(?:\s+line)?|figure|plot|chart)\s+(?:said|says|mentioned"
    r"|mentions|called|calls|stated|claimed|had|has|reads|read|shows|showed))\b"
    # (not "the check you mentioned on '…'", "you said 50 is the max, so: continue '…'": a sentence to analyse)
    r"(?![^'\"“”.!?:;]*\b(?:on|for|with|to|in|of|using|about)\s*$)[^'\"“”.!?:;]{0,40}$")
_SAID_BACK_BEFORE_JA = re.compile(r"(?:回答|答え|返答|返事|説明|結果|タイトル)(?:の中)?(?:に|で|の)\s*$"
                                  r"|(?:出てきた|出てた|書いてあった|書かれてた|書いてた|言ってた)\s*$")
_SAID_BACK_AFTER_JA = re.compile(r"^\s*(?:と|って|っていうの(?:も|が))\s*(?:書いて(?:た|あった|ありました|ました)"
                                 r"|説明(?:だった|でした|があった|が|を受け)|出て(?:き|た)|言って(?:た|ました)|言われ)")


# a claim quoted to be checked or weighed (「『…』って本当？」「『…』って書いたら言い過ぎ？」「『…』で合ってる？」,
# 「「重みが大きい＝重要」って説明していいですか」): cited, and its words are what is asked about
_CLAIM_AFTER = re.compile(r"^\s*(?:と|って)\s*(?:本当|ほんと|ホント|マジ|書いたら|言ったら|説明して(?:いい|も|よい)"
                          r"|考えて(?:いい|も|よい)|言って(?:いい|も|よい))|^\s*(?:で|って)\s*(?:合って|あって|正しい)")


def said_back(before: str, after: str) -> bool:
    """A quote of what the sensei said or showed, or a claim to check, asked about: its words are the question's,
    not a sentence."""
    return bool(_SAID_BACK_BEFORE.search(before) or _SAID_BACK_BEFORE_JA.search(before)
                or _SAID_BACK_AFTER_JA.search(after) or _CLAIM_AFTER.search(after))


# ... or one turned down: 「『A』…じゃなくて『B』」, "not 'A' but 'B'", "'A', no, 'B'"
_TURNED_AFTER = ascii_pattern(r"^\s*(?:…|\.{2,})?\s*(?:じゃなくて|じゃなく|ではなくて|ではなく|でなくて"
                              r"|,?\s*(?:no\s*[,.!—–-]|sorry\b|i\s+mean\b|i\s+meant\b))")  # ("…', no special tokens")
_TURNED_BEFORE = ascii_pattern(r"(?:\bnot|\binstead\s+of|\brather\s+than)\s*$")


def surroundings(text: str, start: int, end: int) -> tuple[str, str]:
    """What stands before and after a quote at text[start:end], lower-cased, as far as a quote's context reaches
    (a story's subject and verb before it: "my boss wants …"; 「と聞かれました」 after it)."""
    return text[max(0, start - 120):start].lower(), text[end:end + 24].lower()


def asked_by_someone(content: str, before: str, after: str) -> bool:
    """A question someone put to the learner, or what someone holds, quoted (「生徒に「右上が真っ黒なのはなんで？」と
    聞かれました」, 「「最終層がいちばん意味のある層」って参考書に書いてあった」): what the learner asks about, to be
    read with the rest, not masked."""
    quote = Quote(content, before.lower(), after.lower())
    return bool(re.search(r"[?？]\s*$", content.strip())) and cited(quote) \
        or bool(_HELD_AFTER.search(quote.after))


# what someone holds, quoted, then who said or wrote it (「「…」って友達が言ってた」「…って参考書に書いてあった」)
_HELD_AFTER = re.compile(r"^\s*(?:と|って)\s*(?:[^「『。!?！？\s]{1,8}?(?:が|も|に|から|で|では)\s*)?"
                         r"(?:あった|ありました|書いて|書かれ|言われ|言って|聞かれ|聞い|習っ|教わ|教えられ|読ん|載って|主張)")


def cited(quote: Quote) -> bool:
    """The quote is cited, not given as a sentence to analyse."""
    question = bool(re.search(r"[?？]$|(?:のか|ですか|ますか)$", quote.text.strip()))
    # 「なぜ3Dはダメなのか」「どのトークンが一番注目を集めているか」を見せたい: a question, not a sentence
    # (but 「明日は雨やろか」のヒートマップ: a sentence that asks, analysed)
    analysed = bool(_PAIRED_OR_ANALYSED.match(quote.after))  # (paired with another sentence, or named as one)
    embedded = bool(re.search(r"(?<!で)(?<!ま)(?<!し)か$", quote.text.strip())) \
        and not _ANALYSED_AFTER.search(quote.after) and not analysed
    return bool(_CITED_AFTER.search(quote.after) or _HELD_AFTER.search(quote.after)
                or _CITED_BEFORE.search(quote.before)) \
        or said_back(quote.before, quote.after) or embedded \
        or question and bool(re.match(r"^\s*(?:と|って)", quote.after)) and not analysed


# (「「これは何ですか」と「…」を比べて」, 「「どうして分かるの？」という文で」: a sentence that asks, analysed)
_PAIRED_OR_ANALYSED = re.compile(r"^\s*(?:と\s*[「『\"“]|(?:と|って|という|っていう)\s*(?:文|例文|センテンス))")
_ANALYSED_AFTER = re.compile(r"^\s*(?:の|で|を)\s*(?:ヒートマップ|アテンション|attention|注意|トークン|折れ線|数値"
                             r"|グラフ|3d"
                             r"|ロールアウト|ノルム|ヘッド|各層|層ごと|重み"
                             # (「「社長はもうお帰りになりましたか」の第5層を…」: a layer, a head, a view of it)
                             r"|第\s*[0-9０-９一二三四五六七八九十]+\s*(?:層|レイヤー?|ヘッド)|[0-9０-９]+\s*(?:層|番目)"
                             r"|最終層|最後の層|全部の|全ヘッド|すべての|各ヘッド|続き|レイヤー?)", re.I)


def turned_down(quote: Quote) -> bool:
    """The quote is corrected away: another one replaces it."""
    return bool(_TURNED_AFTER.search(quote.after) or _TURNED_BEFORE.search(quote.before))


def names_a_sentence(quote: Quote) -> bool:
    """A word quoted to say which sentence: "the 'empty' sentence", "the one with 'river'", 「『川』の文」."""
    return bool(_SENTENCE_AFTER.search(quote.after) or _SENTENCE_BEFORE.search(quote.before))


_SENTENCE_AFTER = ascii_pattern(r"^\s*(?:sentence|one|version|example|text)s?\b"
                                r"|^\s*(?:の|のほうの|の方の)\s*(?:文|例文)|^\s*の(?:ほう|方)(?:だけ|のみ|で|を|は|、)"
                                r"|^\s*(?:and|&|,)\s*[\"'‘“「『][^\"'’”」』]{1,20}[\"'’”」』]\s+(?:versions|sentences|ones)\b")
_SENTENCE_BEFORE = ascii_pattern(r"\b(?:sentence|one|version|example)\s+(?:with|about|containing|that\s+(?:has|says))"
                                 r"(?:\s+the\s+word)?\s*$")


def marks_query(before: str, after: str) -> bool:
    """A quoted token named as the attending one: from "love", 「食べ」から."""
    return bool(_QUERY_BEFORE.search(before) or _QUERY_AFTER.search(after))


_KEY_BEFORE = ascii_pattern(r"(?:\bto|\bon|\btowards?|\blook(?:s|ing)?\s+at|->|→|=>)\s*"
                           r"(?:the\s+)?(?:token\s+|word\s+)?$"
                           r"|[」』]\s*から\s*$")  # (「「兄」から「パン」で」: from one quoted token, to the next)
_KEY_AFTER = ascii_pattern(r"^\s*(?:へ|への|に向|に対す|に対して"
                           r"|を\s*(?:どれだけ|どのくらい|どの程度|よく)\s*(?:見|注目)|を見(?:ている|てる|る度合い|る割合))")


def marks_key(before: str, after: str) -> bool:
    """A quoted token named as the attended one: to "cat", 「猫」への."""
    return bool(_KEY_BEFORE.search(before) or _KEY_AFTER.search(after))
