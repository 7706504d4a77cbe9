"""The question as the learner typed it → as the planner's rules and the sentence encoder read it.

Learners type our words in many spellings: Kansai words (「どない」), hiragana (「へっど」「6そう」), a phone's
slips ("later 3", 「３総目」), an engineer's short forms ("last lyr hm", "w/o CLS"), English words inside
Japanese (「heatmapのlayerを1にして」), full-width letters and hiragana loanwords (「ひーとまっぷ」). Two readings,
both leaving quoted pieces as written:

    standard(question)   for the rules: our usual words, read before anything else (agent/planner_reading.py)
    spelled(text)        for the sentence encoder: NFKC, hiragana loanwords in katakana, no courtesy opening
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["JAPANESE", "IN_FULL_WORDS", "standard", "spelled", "katakana"]

# hiragana, katakana or kanji (half-width katakana too): the text is Japanese, or holds Japanese
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")

# a quoted piece, which every rewrite below leaves as the learner wrote it ... and, for the rewrites of English
# words, a piece in single quotes too ('my cat hates rainy days')
_QUOTED = r"(?P<quoted>[「『\"“][^」』\"”\n]*[」』\"”])"
_QUOTED_OR_SINGLE = r"(?P<quoted>[「『\"“][^」』\"”\n]*[」』\"”]|(?<![\w'])'[^'\n]+'(?![\w']))"
# words typed in hiragana that name a layer, a head or a view (「へっど2」, 「6そう」), read as their usual spelling
_KANA_WORDS_AS = {"へっど": "ヘッド", "れいやー": "レイヤー", "れいやあ": "レイヤー", "そう": "層", "そうめ": "層目",
                  # ... and the words of a request (「すうじいれて」「こーどちょうだい」「おれせんのやつで」)
                  "すうじ": "数字", "こーど": "コード", "おれせん": "折れ線", "ひーとまっぷ": "ヒートマップ",
                  "ぐらふ": "グラフ", "すうち": "数値", "いり": "入り", "いれて": "入れて", "ぬいて": "抜いて",
                  "ぬきで": "抜きで", "おおきく": "大きく",
                  # ... and the words of a view or a place typed in kana (「ヘッドぜんぶならべて」「さいごのそう」)
                  "ぜんぶ": "全部", "すべて": "全て", "ならべ": "並べ", "いちらん": "一覧", "ひだりはし": "左端",
                  "さいご": "最後", "さいしょ": "最初", "ひょう": "表", "やくわり": "役割", "けして": "消して",
                  "とーくん": "トークン", "とくしゅ": "特殊", "しんく": "シンク", "ばんめ": "番目"}
# (the words read only beside a number or after の: 「6そう」「3そうめ」「数字いり」「さいごのそう」)
_KANA_IN_PLACE = (r"(?<=[0-9０-９])そうめ", r"(?<=[0-9０-９])ばんめ", r"(?<=[0-9０-９])そう(?![だでなね])",
                  r"(?<=数字)いり", r"(?<=値)いり", r"(?<=すうじ)いり", r"(?<=すうち)いり",
                  r"(?<=の)そう(?!だ|な|ね|い|です)", r"(?<=の)ひょう",
                  # (「それけして」「<bos>を けして」, not 決して)
                  r"(?<=[れを])けして", r"(?<=[れを][\s\u3000])けして")
_KANA_WORDS = re.compile(_QUOTED + "|" + "|".join(
    [*sorted((word for word in _KANA_WORDS_AS if word not in {"そう", "そうめ", "いり", "ひょう", "けして", "ばんめ"}),
             key=len, reverse=True), *_KANA_IN_PLACE]))
# Kansai words the rules read in their standard form (「立体にしたらどないなる？」 is 「どうなる？」)
_KANSAI = {"どない": "どう", "ほんまに": "本当に", "くれへん": "くれない", "ほんなら": "じゃあ", "ほなら": "じゃあ",
           "ほな": "じゃあ", "やなくて": "じゃなくて", "ちゃうん": "じゃないの", "やけど": "だけど"}
_KANSAI_WORDS = re.compile(_QUOTED + r"|どない|ほんまに|くれへん|やなくて"
                           r"|ちゃうん|(?<=[ぁ-ゖ])やけど"
                           r"|(?<![ぁ-ゖ])(?:ほんなら|ほなら|ほな)")  # (「ほな」 opening a clause, not inside a word)
# 「3そう目」: 「3層目」 typed before its kanji; 「最終相」: the input method's slip
_LAYER_IN_KANA = re.compile(r"(?<=[0-9０-９])\s*そう(?=目)"
                            r"|(?:(?<=最終)|(?<=[0-9０-９])|(?<=第[一二三四五六七八九十]))相(?![談手性互当関])")
# the short forms an engineer in a hurry types ("last lyr hm", "all 12 hds", "+10 toks", "30 tokns", "w/o CLS", "smth"),
# in full;
# "hm" is a heatmap only beside the request, not a "hm, …" of thought opening the message
_KANA_KANJI = "\u3040-\u30ff\u4e00-\u9fff"
_SHORT_FORMS = re.compile(_QUOTED_OR_SINGLE
                          + r"|(?<![A-Za-z])(?P<word>lyrs?|hds?|toks?|tokns|attn|smth|sth|w/o|w/"
                          r"|w(?=\s+(?:numbers|nums|values|vals|annotations?|labels|specials?|cls|sep)\b))"
                          rf"(?=[\s\d.,:;!?)、。{_KANA_KANJI}]|$)"
                          rf"|(?:(?<=\S )|(?<=[{_KANA_KANJI}]))(?P<hm>hm)(?![A-Za-z,.…])"
                          r"|^hm(?=\s+(?:lyr|layer|l\d|for|of)\b)", re.I)
_IN_FULL = {"lyr": "layer", "lyrs": "layers", "hd": "head", "hds": "heads", "tok": "token", "toks": "tokens",
            "tokns": "tokens", "smth": "something", "sth": "something", "attn": "attention", "w/o": "without",
            "w/": "with", "w": "with", "hm": "heatmap"}
# ... beside Japanese (「15tok生成」「特殊tok抜きで」「pngのhmも」), in the words a Japanese question uses
_IN_FULL_JA = {"lyr": "層", "lyrs": "層", "hd": "ヘッド", "hds": "ヘッド", "tok": "トークン", "toks": "トークン",
               "tokns": "トークン", "attn": "アテンション", "hm": "ヒートマップ"}
# the English words the short forms stand for, which are words of a request
IN_FULL_WORDS = frozenset(_IN_FULL.values())


def _in_full(found: re.Match[str]) -> str:
    if found["quoted"]:
        return found["quoted"]
    short = (found["word"] or "hm").lower()
    around = found.string[max(found.start() - 2, 0):found.end() + 2]
    if short in _IN_FULL_JA and re.search(f"[{_KANA_KANJI}]", around):
        return _IN_FULL_JA[short]
    return _IN_FULL[short]


_HALF_WIDTH_BRACKETS = {ord("｢"): "「", ord("｣"): "」"}  # 「｢私はラーメンが好きです｣の…」, as a phone types them


def standard(question: str) -> str:
    """The question with Kansai words and words typed in hiragana (「へっど」「すうじ」) in their usual form outside
    its quotes, 「層」 typed in kana, half-width brackets (｢…｣) as full-width ones, no space after a particle and
    the slips of a phone's keyboard mended, read before anything else."""
    question = _SLIPS.sub(lambda m: m["quoted"] or _SLIPS_AS[m.lastgroup], question.translate(_HALF_WIDTH_BRACKETS))
    question = _LAYER_IN_KANA.sub("層", question)
    question = _KANA_WORDS.sub(lambda m: m["quoted"] or _KANA_WORDS_AS[m[0]], question)
    question = _SHORT_FORMS.sub(_in_full, question)
    question = _SPACED_PARTICLE.sub(lambda m: m["quoted"] or "", question)
    question = _KANSAI_WORDS.sub(lambda m: m["quoted"] or _KANSAI[m[0]], question)
    return _ENGLISH_IN_JAPANESE.sub(_in_japanese, question) if JAPANESE.search(question) else question


# the English words of our trade inside a Japanese question (「heatmapのlayerを1にして」「wordsでまとめて」「数値も
# cellに入れて」「max_new_tokensは８」), read as their Japanese words where they touch Japanese and no other English
# word (not 「layer 1で」, which reads as it is, nor 「layer summaryを」)
_ENGLISH_IN_JAPANESE = re.compile(_QUOTED + r"|(?<![A-Za-z_-])(?P<word>max_new_tokens|layers?|words?|cells?"
                                  r"|tokens?|lines?|generate|errors?)(?![A-Za-z_-])", re.I)
_IN_JAPANESE = {"max_new_tokens": "新しいトークン数", "layer": "層", "word": "単語", "cell": "マス",
                "token": "トークン", "line": "折れ線", "generate": "生成", "error": "エラー"}


def _in_japanese(found: re.Match[str]) -> str:
    """One English word of `_ENGLISH_IN_JAPANESE` in its Japanese form, or as written where it does not touch
    Japanese or touches another English word."""
    if found["quoted"]:
        return found["quoted"]
    before = found.string[:found.start()].rstrip(" ")[-1:]
    after = found.string[found.end():].lstrip(" ")[:1]
    # (beside another English word it is part of a name: 「layer summaryを」「special tokens抜きで」)
    if not JAPANESE.search(before + after) or any(char.isascii() and char.isalpha() for char in before + after):
        return found[0]
    word = found["word"].lower()
    return _IN_JAPANESE.get(word, _IN_JAPANESE.get(word[:-1], found[0]))


# what a phone's autocorrect or kana-kanji conversion makes of our words, outside quotes: "later 3" and "had 4"
# beside a number for layer and head, "lime chart"; 「３総目」「特種トークン」「渓谷」(警告)「時限」(次元), and an ASCII
# hyphen for the long vowel mark (「ヒ-トマップ」「レイヤ-5」); "waht", "layre"
_SLIPS = re.compile(_QUOTED_OR_SINGLE
                    + r"|(?P<layer>\blater\s+)(?=-?\d{1,2}\b(?!\s*(?:min|sec|hour|day|week|month|year|time|s\b|pm|am)))"
                    r"|(?:^\W*|(?<=\d\s)|(?<=\d,\s))(?P<head>had\s+)"
                    r"(?=-?\d{1,2}(?:\s*$|\s*[,.!?;]|\s+(?:again|pls|please|lyr|layer|l\d|then|instead"
                    r"|too|now|and|w|with|without|for)\b|\s+['\"]))"
                    r"|(?P<line>\blime(?=\s+(?:chart|graph|plot)))"
                    r"|(?P<layer_kanji>(?<=[0-9０-９])総(?=目)|(?<=第[0-9０-９])総)|(?P<special>特種)(?=トークン)"
                    r"|(?P<warning>渓谷)|(?P<dims>時限)(?!目|爆弾)"
                    r"|(?P<long_vowel>(?<=[ァ-ヺ])-(?=[ァ-ヺ])|(?<=レイヤ)-(?=\d))"
                    r"|(?P<what>\b(?:waht|whta|hwat)\b)|(?P<layer_word>\b(?:layre|lyaer|laeyr|lauer)\b)", re.I)
_SLIPS_AS = {"layer": "layer ", "head": "head ", "line": "line", "layer_kanji": "層", "special": "特殊",
             "warning": "警告", "dims": "次元", "long_vowel": "ー", "what": "what", "layer_word": "layer"}


# a space after a particle before the verb of a request, as learners of Japanese type (「<bos>を けして」,
# 「レイヤー０で おねがいします」, 「すうじも いれて」): read together, outside quotes (a space before a sentence parts
# it off: 「文は 猫が…」)
_SPACED_PARTICLE = re.compile(_QUOTED + r"|(?<=[をはがにでもへ])[ \u3000]+"
                              r"(?=消し|けし|除|のぞ|抜|ぬい|ぬき|入れ|いれ|お願い|おねがい|見せ|みせ|出し|だし|表示|描い|かい"
                              r"|ください|くださ|ちょうだい|して)")


# a loanword typed in hiragana (「ひーとまっぷ」「あてんしょん」「ぐらふ」): a run with the long-vowel mark, or a
# word of the views', read in katakana (the same length)
_HIRAGANA_LOANWORD = re.compile(r"(?<![ぁ-ゖァ-ヺー])(?P<particle>[のをでにがはともへや]?)"
                                r"(?P<word>[ぁ-ゖ]+ー[ぁ-ゖー]*|あてんしょん|ぐらふ|へっど|まっぷ|ぷろっと)")


# a courtesy opening the message (「恐れ入りますが、」, "sorry to bother you,"): it asks nothing, and in a short
# question it pulls the sentence encoder away from what is asked
_COURTESY = re.compile(r"^\s*(?:恐れ入りますが|恐縮ですが|お手数(?:をおかけします)?ですが|お忙しいところ(?:すみません)?"
                       r"|申し訳(?:ありません|ございません|ない)(?:の)?(?:です)?が|(?:すみません|すいません)が?"
                       r"|sorry\s+to\s+bother(?:\s+you)?|excuse\s+me)[、,。.!！\s\u3000]+", re.I)


def spelled(text: str) -> str:
    """The text as the sensei's examples spell it: full-width letters and digits half-width, hiragana loanwords
    in katakana (for the sentence encoder, which reads 「ひーとまっぷ」 as nothing it knows), a courtesy opening it
    left out."""
    text = _COURTESY.sub("", unicodedata.normalize("NFKC", text))
    return _HIRAGANA_LOANWORD.sub(lambda m: m["particle"] + katakana(m["word"]), text)


_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)}


def katakana(text: str) -> str:
    """Hiragana written as katakana, one character for one (offsets keep)."""
    return text.translate(_HIRAGANA_TO_KATAKANA)
