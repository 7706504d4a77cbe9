"""The form of a question, or of one piece of it: a request to see something or to run a tool on what it gives,
a yes/no or why question, and its language; and the few words that say what it asks of (the tokens of a text,
something to look at) or that it replaces what came before ("instead").

The planner reads these on the question as written; agent/asking.py reads them piece by piece.
"""

from __future__ import annotations

import re

from agent.spelling import JAPANESE
from prompts import Language

__all__ = ["INSTEAD", "OF_TOKENS", "SOMETHING_TO_SEE", "asks_to_see", "asks_to_run", "asks_yes_no", "detect_language"]

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
