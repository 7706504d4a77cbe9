"""Whether a question asks *for* something (a tool runs) or only *about* something (a concept is explained), and
which of the views it names it asks for.

Read from the meaning index's closest labels and how question-like their nearest examples are (its concept
shares), and from the form of each piece of the question: a request ("could you draw …", 「…見せて」), a yes/no
or why question, a statement of what the learner did or saw, a question someone else asked. A clause that
only tells ("I've been staring at the heatmap") asks for nothing; a question of the learner's own data ("which
token does 'it' look at most in '…'?") is answered by running the tool.
"""

from __future__ import annotations

import re

from agent import fitting as fit
from agent import planner_quotes as literal
from agent.cards import Card
from agent.context import Context
from agent.meaning import ASK_BELOW, KNOWLEDGE_MIN, TOOL_MIN, Match, clauses, mask_literals, meaning_index, weak
from agent.naming import bare, named_in, only_named
from agent.planner_knowledge import TERM_ALONE, term_asked
from agent.planner_reading import Reading
from agent.question_form import OF_TOKENS, SOMETHING_TO_SEE, asks_to_run, asks_to_see, asks_yes_no
from agent.slots import ADDS

__all__ = ["CONCEPT_GAP", "EXAMPLE", "GENERAL", "WHY", "WHY_ANYWHERE", "WH_START", "WONDER_HOW", "asked_views",
           "asks_for_a_tool", "holds_elsewhere"]

CONCEPT_GAP = 0.1  # a concept this close behind a tool is what is asked when most near examples are questions
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
                       r"|liked|preferred|wondered)\w+ed|made|drew|drawn|saw|seen|got|ran|did|done|built|wrote|took|went|thought)\b"
                       r"|^\W*(?:the\s+|a\s+|an\s+|your\s+|that\s+|this\s+)?[\w\s'-]{1,30}?\s+(?:is|are|was|were|looks?"
                       r"|looked|seems?)\s+(?:\w+\s+)?(?:nice|fine|great|cool|ok|okay|good|pretty|helpful|useful|hard|"
                       r"confusing|cluttered|busy|messy|noisy|crowded)\b", re.I)
# ... nor what the sensei did earlier ("earlier you mentioned the norm-based view", "back when we started you drew
# '…' as 3D bars", "the very first map we drew was …"): told of, not asked for again
_EARLIER = r"(?:earlier|before|back\s+when|messages?\s+(?:back|ago)|at\s+the\s+(?:start|beginning)" \
    r"|when\s+we\s+started|very\s+first|yesterday)"
_DONE_BY_US = r"(?:you|we)\s+(?:\w+\s+)?(?:drew|showed|mentioned|explained|made|plotted|did|talked\s+about|said)"
_TOLD_OF_EARLIER_EN = re.compile(rf"\b{_EARLIER}\b.*\b{_DONE_BY_US}\b|\b{_DONE_BY_US}\b.*\b{_EARLIER}\b", re.I)
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
_POINTS_BACK = re.compile(r"\b(?:(?:the\s+)?same|that|this)\s+(?:figure|plot|chart|graph|picture|map|curve)\b"
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
                           r"(?:this|that|it|these|those)\b(?!\s+(?:like\s+that|so|true|still|the\s+same\s+(?:in|for)))"
                           r"|^\W*(?:これ|それ|あれ)(?:は|って)"
                           r"|\bdiffer|\bvs\.?\b|\bversus\b|\bcompared\b|違い|違う|比べ", re.I)
# ... or how it changes ("how does that change across the layers?", 「層が深くなるにつれてどう変わっていくの？」)
# whether a change of the view changes what is shown ("does that change if you take [CLS] and [SEP] out?",
# 「[CLS] と [SEP] を除いた場合も同じ結果でしょうか？」): seen by drawing it
_CHANGES_IT = re.compile(r"\b(?:does|would|will)\s+(?:that|this|it|the\s+\w+)\s+change\b|\bstill\s+the\s+same\b"
                         r"|\bsame\s+result|同じ結果|結果は変わ|結果が変わ|(?:も|は)変わ(?:る|ります|りますか)", re.I)
_HOW_IT_CHANGES = re.compile(r"\bhow\s+(?:does|do|did)\b.*\bchange|どう変わ|どう推移|どうなっていく", re.I)
# another view only named, in a conversation ("and the combined flow through all layers?", "what about per head?",
# 「全部の層を通してだと？」)
_WHAT_ABOUT = re.compile(r"^\W*(?:(?:ok|okay|so|hmm+)\W+)?(?:and|what\s+about|how\s+about)\b"
                         r"(?!.*\b(?:why|what|how|which|where|who|when|is|are|was|were|does|do|did|can|could|would"
                         r"|should|mean|means)\b)[^.!]*\?\s*$"
                         r"|(?:だと|では|なら|の場合|で見ると|でみると)(?:[、,][^、,。]*)?[？?]\s*$", re.I)
WHY = re.compile(r"^\W*(?:(?:so|and|but|hmm+|ok|okay|wait|um+|uh+|oh|well|sorry|hm+)\W+)*(?:why|how\s+come"
                 r"|what(?:'s|s|\s+is)\s+(?:up\s+)?with)\b|\bwhy\W*$"  # (… or closing it: "it goes to [SEP]?? why")
                 r"|\b(?:is|was)\s+(?:it|that|this)\s+because\b|なぜ|どうして|なんで|何で(?=(?:すか)?\s*[?？]*\s*$)"
                 r"|(?:だ)?から(?:ですか|なの|なん)"  # 「…大事だからですか？」
                 r"|\b(?:tell|explain)\s+(?:me\s+)?the\s+reason\b|理由を(?:教えて|知りたい|説明|まとめ)", re.I)
# (「…違うの何で？」 closing the question asks why; 「何で描くの？」 asks with what)
WHY_ANYWHERE = re.compile(r"\b(?:why|how\s+come)\b|なぜ|どうして|なんで|何で(?=(?:すか)?\s*[?？]*\s*$)", re.I)
# whether something is normal or broken, and a sentence given only as an example, ask about a concept
_JUDGED = re.compile(r"\b(?:normal|broken|wrong|bug|buggy|expected|fine|correct|usual|weird|strange)\b"
                     r"|\bis\s+(?:that|this|it)\s+(?:a\s+)?(?:real\s+)?thing\b"
                     r"|\b(?:any\s+)?(?:better|worse)\s+(?:for\s+\w+\s+)?than\b|\bjust\s+(?:a\s+matter\s+of\s+)?taste\b"
                     r"|\bworth\s+it\b"
                     r"|普通|正常|壊れ|おかしい|バグ|問題ない|大丈夫|(?<![割具場試])合って|変(?:な|だ|です)", re.I)
EXAMPLE = re.compile(r"\bfor\s+example\b|\bfor\s+instance\b|\be\.g\.|\bsuch\s+as\b|例えば|たとえば|みたいな", re.I)
# a question of how things usually are, even with a sentence given, asks about the concept
GENERAL = re.compile(r"\b(?:usually|generally|typically|normally|in\s+general)\b"
                      r"|一般(?:的)?に|一般論|普通は|ふつうは|たいてい", re.I)
# code named as how the post did something ("average the heads like he did with torch.mean", "(his torch.mean
# thing)", 「ブログみたいにtorch.meanで」): the result is asked for, not the code explained
THE_POSTS_WAY = re.compile(r"\blike\s+(?:he|she|they|the\s+(?:post|blog|article|author))\s+(?:did|does|do)\b"
                           r"|\b(?:his|her|their|the\s+post's|the\s+blog's|the\s+article's)\s+torch\.\w+"
                           r"|\bas\s+(?:in|done\s+in)\s+the\s+(?:post|blog|article)\b"
                           r"|(?:ブログ|記事|筆者)(?:みたい|と同じよう|のよう)に", re.I)
_THAT_SENTENCE = re.compile(r"\b(?:that|this|the|my|same)\s+(?:sentence|text|prompt)\b|\b(?:that|this)\s+one\b"
                            r"|(?:その|この|さっきの|同じ)文"
                            r"|^\W*(?:じゃあ)?\W*(?:それ|これ)を")  # 「それをminilmに入れたら、どう分かれるの？」
# a wonder how it turns out (「どうなってるんだろう」, 「どんな感じ」)
WONDER_HOW = r"どう(?:なって(?:い)?る|なる)(?:ん|の)?(?:だろう|でしょう)|どんな感じ"
# which, where, how many: a question of the data
# "which of them is the previous-token one?" after the heads were drawn: one of those shown, found in the data
_WHICH_OF_THEM = re.compile(r"\bwhich\s+(?:one\s+)?of\s+(?:them|these|those)\b", re.I)
_ASKS_WHICH = re.compile(r"\b(?:which|where|how\s+many|how\s+much|what\s+(?:tokens|pieces|subwords)|"
                         r"what(?:'s|\s+is)\s+the\s+(?:biggest|largest|highest|"
                         r"smallest|exact))\b|\bhow\s+(?:does|do|is|are|will|would)\b.*\b(?:split|tokeni[sz]e|broken|chopped|cut|chop)"
                         r"|どこ|どれ|どの|どっち|どちら|何個|いくつ|何トークン|何番|どのくらい|どれくらい"
                         r"|どう(?:分かれ|わかれ|分割|区切)"
                         # 「『…』の最終層ってどうなってるんだろう」: how it looks, for that sentence
                         rf"|{WONDER_HOW}|どう見える(?:ん|の)?(?:だろう|でしょう)", re.I)
# layer by layer ("how much does [SEP] get in each layer?", 「[SEP]が各層でどれだけもらってるか」)
_PER_LAYER = re.compile(r"\b(?:each|every|per)\s+layer\b"
                        r"|\b(?:across|over|through)\s+(?:the\s+|all\s+(?:the\s+)?)?layers\b"
                        r"|\blayer\s+by\s+layer\b|\bgo\s+deeper\b|\bdeeper\s+(?:in|into)\b"
                        r"|\bfrom\s+layer\s+\d+\s+to\s+(?:layer\s+)?\d+|\bfrom\s+the\s+first\s+(?:layer\s+)?to\s+the\s+last\b"
                        r"|各層|層ごと|全層|層を追|層から\S{0,8}?層(?:まで|にかけて)")
# a claim checked on a sentence given ("is that true for '…'?", 「『…』でもそうなる？」,
# 「『…』では本当にそうなってますか」)
_HOLDS_FOR = re.compile(r"\b(?:is\s+(?:that|this|it)\s+(?:also\s+|still\s+)?(?:true|the\s+case)"
                        r"|does\s+(?:that|this|it)\s+(?:also\s+|still\s+)?hold)"
                        r"\s+(?:for|in|with|on)\b"
                        r"|でも(?:そう|同じ)(?:なる|なの|です|か|\W*$)|では本当に|でも本当に"
                        # (otherwise at another choice? "would gemma see it differently?", 「gemmaだとまた違うんかな」)
                        r"|\b(?:would|will|does)\s+(?:[\w']+\s+){1,5}?(?:see\s+(?:it|this|that)\s+differently"
                        r"|look\s+(?:any\s+|much\s+)?different|be\s+(?:any\s+|much\s+)?different)"
                        r"|\bis\s+(?:[\w']+\s+){1,4}?any\s+different\b|(?:だと|では|でも)(?:また)?違う(?:ん|の)?(?:か|かな|でしょう|だろう)",
                        re.I)
_SPECIAL_TOKEN = re.compile(r"\[cls\]|\[sep\]|<bos>|<s>", re.I)
# what something means or how to read it is asked about, however close a tool is
_MEAN = re.compile(r"\bmean\b|\bmeaning\b|意味", re.I)
_MEANING_ASKED = re.compile(r"\bmeans?\b|意味|見方|読み方|どういうこと", re.I)
# how a method works or what a result would mean, asked ("does that norm view take the MLP into account?", "how
# would I know whether a head is a previous-token head?", "does that mean BERT resolved the pronoun?",
# 「ノルムの方法って、MLPの影響も入ってるんですか？」, 「どういう計算で直してるんですか？」): explained, not drawn again
_HOW_IT_WORKS = re.compile(r"\binto\s+account\b|\bhow\s+(?:would|do|can|could|should)\s+(?:i|we|you|one)\s+"
                           r"(?:know|tell|check|find\s+out|be\s+sure)\b|\b(?:does|doesn'?t)\s+(?:that|this|it)\s+mean\b"
                           r"|\bwhat\s+(?:do|would|does|did)\s+(?:you|i|we|one)\s+(?:actually\s+|really\s+)?"
                           r"(?:lose|gain|miss)\b"  # "What do you actually lose when you average …?"
                           r"|\b(?:is|isn't)\s+(?:that|this|it)\s+(?:\w+\s+)?(?:proof|evidence)\b|\bproves?\s+that\b"
                           r"|\bthat\s+means\b[^.!]*\?|\bwhat'?s\s+the\s+difference\s*\??\s*$|影響も入って|も入ってる(?:ん|の)|考慮(?:され|して)|どういう計算|どうやって計算"
                           r"|ってこと(?:は|？|\?|ですか)|ということ(?:は|ですか)|(?:でした|だ)っけ"
                           # (what a role or a name is defined by: "what makes a head count as a previous-token head?")
                           r"|\bwhat\s+(?:actually\s+|really\s+|exactly\s+)?makes\s+(?:a|an|the|something|it)\s+[\w-]+\s+"
                           r"(?:count\s+as|an?\s)|何をもって"
                           # (what a view says: "so is the norm view basically saying [CLS] doesn't matter?")
                           r"|\b(?:is|does)\s+(?:the|that|this|it)\s+(?:[\w-]+\s+){0,2}?(?:basically\s+|really\s+|just\s+)?"
                           r"(?:saying|telling\s+(?:me|us))\b", re.I)
# surprise at what was shown (「あれ、ヘッドが9個ある」, "huh, the last row is all zeros")
_SURPRISED = re.compile(r"^\W*(?:あれ|えっ|え[、？?]|おや|あら|huh|whoa|wait\s+what)(?:[、,.!?？！…\s]|$)", re.I)
# whether a view is worth drawing at all ("Is 3D plot useful for attention?", 「３Ｄにしたら見やすくなったりします？」):
# a judgement of the idea, asked in words
_WORTH_IT = re.compile(r"\b(?:is|are|would|will|does|do)\b.*\b(?:useful|helpful|worth\s+it|worthwhile|any\s+good"
                       r"|more\s+intuitive|easier\s+to\s+(?:read|see|understand))\b"
                       r"|\b(?:does|do|would|will|can)\s+(?:a\s+|the\s+)?\w+(?:\s+\w+)?\s+(?:ever|really|actually)\s+help\b"
                       r"|(?:見やすく|わかりやすく|分かりやすく|読みやすく)(?:なる|なったり|なります)\S*[?？]"
                       r"|より(?:見やすい|わかりやすい|分かりやすい|読みやすい)(?:ん|の)?(?:です)?か?\s*[?？]"
                       r"|意味(?:ある|あります|あんの|あるん)\S*[?？]|役に?立つ\S*[?？]", re.I)
# the learner says they are lost ("so each line is a word?? im lost", 「それぞれ何なのかさっぱり…」): what they
# saw is to be explained, unless they ask to see something
_PUZZLED = re.compile(r"\b(?:i'?m|im|i\s+am)\s+(?:so\s+|totally\s+|kinda\s+|a\s+bit\s+|really\s+)?(?:lost|confused)\b"
                      r"|\bconfus(?:ed|ing)\W*$|\bno\s+idea\b|\bdon'?t\s+(?:get|understand)\b|\bdoesn'?t\s+make\s+sense\b"
                      r"|さっぱり|わから(?:ない|ん)|分から(?:ない|ん)|わかんない|分かんない|どういうこと|混乱", re.I)
# a change asked for in a question's form ("could it open at layer 4?", "can the colours go up to 1?")
_HEDGED = re.compile(r"^\W*(?:(?:so|and|ok|okay|also|then|hmm)\W+)*(?:could|can|would|may)\s+\w"
                     r"(?!.*\b(?:conclude|infer|say|claim|mean|means|tell|know|knows|trust|assume|prove)\b)", re.I)
# a wh-question naming a model asks about it ("what's the difference between how BERT and GPT use attention?")
WH_START = re.compile(r"^\W*(?:what|how|which|where|who|when|why)\b", re.I)
_WH_QUESTION = re.compile(r"^\W*(?:what|how|which|where|who|when)\b|[?？]\s*$", re.I)
# a clause that only turns a figure down ("I don't need a figure, just the idea") requests nothing
_NO_FIGURE = re.compile(r"\b(?:don'?t|do\s+not|no)\s+(?:need|want)\s+(?:a\s+|any\s+|the\s+)?"
                        r"(?:figure|picture|plot|chart|graph)|\bno\s+(?:figure|picture|plot|chart|graph|drawing)s?"
                        r"(?:\s+(?:is\s+)?(?:needed|necessary|required|please))"
                        r"|図(?:は|も)?(?:いらない|要らない|いりません|要りません|不要|なしで"
                        r"|なくて(?:いい|大丈夫))"
                        # (a request taken back: "I was about to ask you for a 3D plot but …", "forget the chart for
                        # now", 「ヒートマップ出してもらおうと思ったけどやめた」「3Dで描いてって頼もうとしたけど」)
                        r"|\b(?:was\s+(?:about|going)\s+to|wanted\s+to|meant\s+to)\s+ask\b[^.?!:;]*?\bbut\b"
                        r"|\bforget\s+(?:about\s+)?the\s+(?:chart|plot|figure|heatmap|picture|map|graph|drawing)"
                        r"(?:\s+for\s+now)?"
                        r"|[^。？?]*?(?:と思った|ようと思った|もうと思った|頼もうとした|ようとした)(?:けど|けれど|が)[、,]?\s*(?:やめた)?",
                        re.I)
# only the idea is wanted ("Asking conceptually", 「仕組みだけ知りたいです」, 「図はいらないので理由を教えてください」)
_IDEA_ONLY = re.compile(r"\b(?:asking\s+)?conceptually\b|\bin\s+(?:theory|principle)\b"
                        r"|\b(?:just|only)\s+(?:the\s+)?(?:idea|concept|theory|reasoning|intuition)\b"
                        r"|(?:仕組み|理屈|理由|考え方|原理)(?:だけ|のみ)|概念(?:として|的に)|理論(?:上|的に)", re.I)
# a question that ends by asking what something means (「ヘッド平均ってどういうこと」,
# 「…斜めに並んでるけど、これってどういうこと」): about it, even when it names a head or a choice
_ENDS_ASKING_MEANING = re.compile(r"(?:って|とは)\s*(?:どういう(?:こと|意味)|何の(?:こと|意味))"
                                  r"(?:です|でしょう|だろう)?か?\W*$"
                                  r"|(?:これ|それ|あれ)(?:って|は)?\s*(?:どういう(?:こと|意味)|何|なに|なん)(?:です|でしょう|だろう)?か?\W*$")
# what a kind of thing is ("whats a previous-token head?", "you keep saying sink head, what is that")
_DEFINITION = re.compile(r"\bwhat(?:'s|s|\s+is)\s+an?\s+[\w-]+(?:\s+[\w-]+){0,2}\s*[?？]"
                         r"|,\s*(?:so\s+)?what(?:'s|s|\s+is)\s+(?:that|this|it)\W*$"
                         # what a part of a method is for, or what a view measures ("what's the 0.5 in the rollout
                         # formula for?", "what is the norm view actually measuring")
                         r"|(?:^|[.!?]\s)\W*what(?:'s|s|\s+is)\s+the\s+[^?!]{1,60}?\s+for\s*[?？]?\s*$"
                         r"|(?:^|[.!?]\s)\W*what\s+(?:is|does)\s+the\s+[\w-]+\s+(?:view|map|chart|plot)\s+(?:actually\s+|really\s+)?"
                         r"(?:measur|show|tell|captur)\w*\b", re.I)
# what a part of the figure shown is ("what's the third panel?", "what are those bright squares?")
_A_PART_SHOWN = re.compile(r"^\W*(?:(?:so|and|ok|okay|hmm+|wait|sorry)\W+)*what(?:'s|\s+is|\s+are)\s+"
                           r"(?:the|this|that|these|those)\s+(?:[\w-]+\s+){0,2}?(?:panels?|colou?rs?|bars?|axis|axes|lines?"
                           r"|rows?|columns?|cells?|scale|triangle|diagonal|stripes?|bands?|squares?|labels?"
                           r"|legend|title|dots?|spots?|blocks?|curves?|peaks?)\b", re.I)
# ... or how two things differ (「…と何が違うの？」, "what's the difference between X and Y?")
_ENDS_ASKING_DIFFERENCE = re.compile(r"(?:何|なに)が違う(?:の|ん)?(?:です|でしょう|だろう)?か?\W*$"
                                     r"|(?:何|なに)が(?:違う|変わる)(?:の|ん)?(?:です|でしょう|だろう)?か?[？?]\s*"
                                     # 「何が変わるんですか？重みだけと比べて」
                                     r"[^？?。]{0,20}(?:と|に)比べ(?:て|ると)\W*$"
                                     r"|違いは(?:何|なに)?\W*$|\bwhat(?:'s|s|\s+is)\s+the\s+difference\s+between\b"
                                     r"|\bvs\.?\b.*\bwhat(?:'s|s|\s+is)\s+the\s+difference\b", re.I)
# ... and how models differ, asked in words ("what actually differs between minilm and gemma?", "how does smollm
# differ from gemma?", 「BERTとGPTでどう違うの？」)
_MODELS_DIFFER = re.compile(rf"{_ENDS_ASKING_DIFFERENCE.pattern}|\bwhat\s+(?:actually\s+|really\s+)?differs\b"
                            r"|\bhow\s+(?:do|does|did|would)\b[^?.]{0,60}\bdiffer\b|どう違う|(?:何|なに)が違う", re.I)
# ... in the words of their designs ("under the hood", "encoder vs decoder", 「仕組み」)
_DESIGNS = re.compile(r"\bunder\s+the\s+hood\b|(?<![a-z])(?:encoders?|decoders?|architectures?|designs?)(?![a-z])"
                      r"|エンコーダ|デコーダ|仕組み|構造|アーキテクチャ", re.I)
# an explanation asked for in words
_EXPLAIN_ASKED = re.compile(r"\b(?:give|write|need)\s+(?:me\s+)?(?:an?\s+)?(?:explanation|paragraph|few\s+sentences"
                            r"|two\s+or\s+three\s+sentences)|\bexplain\s+(?:to\s+me\s+)?(?:why|how|what)\b"
                            r"|説明(?:を用意|して(?:ください|ほしい|欲しい|もらえ|くれ|いただけ|頂け)|を(?:ください|お願い|考えて)"
                            r"|できるように)|(?:もう一(?:回|度)|もういっかい|再度)説明"
                            r"|\bexplain\s+(?:it\s+|that\s+|this\s+)?(?:again|once\s+more|one\s+more\s+time)\b"
                            r"|\bin\s+(?:plain|simple)\s+(?:words|english|terms)\b|\bin\s+a\s+sentence\s+or\s+two\b"
                            r"|\bin\s+(?:a\s+)?few\s+words\b|\bexplain\s+(?:it\s+)?quick(?:ly)?\b|\bin\s+short\b|\bbriefly\b"
                            r"|\bin\s+(?:one|two|three|a\s+couple\s+of|a\s+few)\s+lines?\b|\bone\s+line\s+i\s+can\b|(?:簡単|かんたん|一言|ひとこと)で(?:言うと|説明|教えて)"
                            # the words to pass on ("a simple way to say it to first-years", "whats the short
                            # answer", 「生徒になんて答えたらいい？」)
                            r"|\b(?:simple|short|quick|easy|plain)\s+(?:way\s+to\s+(?:say|put|explain)|answer|explanation)\b"
                            r"|\bone[- ]liner\b"
                            r"|\b(?:one|two|three)[- ]sentence\s+(?:version|answer|explanation|summary)\b"
                            r"|\bhow\s+(?:would|should|do|can|could)\s+(?:you|i|we)\s+(?:explain|say|put|describe)\b"
                            r"|\bhow\s+to\s+explain\b"
                            r"|\b(?:explain\w*|say|put|argument|answer)\s+(?:it\s+)?in\s+(?:plain\s+)?words\b"
                            r"|(?:なんて|何て|どう)(?:答え|言え|説明す)|(?:簡単|簡潔|手短)に(?:説明|言う|まとめ)",
                            re.I)


# a clause that is only an example cited ("…? 『を食べ』みたいなやつ", "… like 'ing' pieces"): it asks for nothing
_ONLY_AN_EXAMPLE = re.compile(r"\W*(?:(?:e\.g\.|like|say)\s+)?[「『'\"“‘]?…[」』'\"”’]?\s*"
                              r"(?:みたいな(?:やつ|もの|の|感じ)?|みたいに|とか|など|のような|like\s+(?:that|this)|and\s+so\s+on)?"
                              r"[\W…]*", re.I)


# a yes/no question, then a sentence alone to try it on: "can the AI finish my sentence? 'Tomorrow I will'"
_SENTENCE_TO_TRY = re.compile(r"[?？]\s*(?:like|say|e\.g\.|例えば|たとえば)?\s*[:：]?\s*"
                              r"(?:'…'|\"…\"|“…”|「…」|『…』)\W*$")


def _beside_the_explanation(masked: str) -> str:
    """The clauses of a question that do not ask for words ("…heatmap always empty? I need a simple way to say it"):
    a view named there is asked to be seen only if these ask to see it."""
    return " ".join(clause for clause in re.split(r"(?<=[.!?。！？])\s*", masked) if not _EXPLAIN_ASKED.search(clause))


# what was spoken of, done ("can you actually run it?", "try that", 「やってみせて」)
_DO_IT = re.compile(r"\b(?:run|try|do|apply|use)\s+(?:it|that|this|them)\b"
                    r"|やって(?:みせて|みて|ほしい)|試して|実行して")


def asks_for_a_tool(question: str, reading: Reading, context: Context, whole: list[Match],
                     parts: list[list[Match]], named: list[Card]) -> bool:
    """Whether the question asks *for* something (a tool runs) rather than only *about* something.

    About: the closest label is a concept clearly ahead, or a concept within CONCEPT_GAP of the best
    tool while most of the nearest examples are knowledge questions ("… is that normal?"), or the
    question is a yes/no or why question ("is the heatmap symmetric?"). For: anything else, a
    request clause, a choice that changes the conversation's view, or a tool named with its literals.
    """
    masked = mask_literals(question)
    if SOMETHING_TO_SEE.search(reading.plain) and not named and not WHY.search(reading.plain):
        return True  # "idk just show me smth", 「アテンションってどんなものか、なんか見せて」: a first look
    if _SENTENCE_TO_TRY.search(masked) and not WHY.search(reading.plain):
        return True  # "can the AI finish my sentence? 'Tomorrow I will'": try it on that sentence
    shares = meaning_index().concept_shares(question)  # asking about (→ 1) or asking for (→ 0), whole and clauses
    best_concept = next((m for m in whole if m.kind == "knowledge"), None)
    best_tool = next((m for m in whole if m.kind == "tool"), None)
    # (a concept only just ahead of a tool, when the nearest examples are requests, is no concept asked:
    # 「つかえるモデルなにがある?」)
    leads = bool(whole) and whole[0].kind == "knowledge" and not weak(whole) \
        and not (shares[0] < 0.25 and best_tool is not None and best_tool.score >= whole[0].score - 0.05)
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
    requests = _requests(parts, shares, pieces, masked)
    # what they saw, then the question ("I see a bright band on the first column. Is that the sink?"); not a
    # change asked for and then judged ("and 4 more tokens. Does the pattern hold?")
    yes_no = asks_yes_no(masked) or bool(pieces) and asks_yes_no(pieces[-1]) \
        and not (fit.changes_the_view(fit.no_tokens(reading)) or reading.new_tokens is not None) \
        and not any(asks_to_see(piece) for piece in pieces)
    # 「第2層だとどうなりますか?」, 「gemmaでも同じの?」 after a figure: that figure at another layer or model
    # ... and "would head 6 alone look different?", 「ヘッド1だけだと違いますか?」: the figure changed, to see
    # ... and "could it go on for 20 tokens instead?", "could the special tokens be dropped from it?": asked politely
    # ... and "does that hold for '…' too?", 「前の文でも同じ傾向なのかな」: that figure for another sentence
    follow_up = context.tool is not None and bare(reading) and bool(reading.sentences) \
        or context.tool is not None \
        and (fit.changes_the_view(reading) or bool(reading.models) or reading.new_tokens is not None) \
        and (bare(reading) or not WHY.search(reading.plain) and not _JUDGED.search(reading.plain)
             and not reading.sentences and not _MEANING_ASKED.search(reading.plain)  # (「ヘッド平均ってどういうこと」)
             and (bool(reading.heads) or bool(reading.same) or bool(_HEDGED.search(reading.plain))
                  or bool(_POINTS_BACK.search(reading.plain))  # "… Same curve, first layer."
                  or holds_elsewhere(reading)))  # "is that also the case in layer 0?"
    if _answered_in_words(reading, masked, context, named, whole, best_concept, requests):
        return False
    if _asks_of_the_data(reading, whole, yes_no, context, named):
        return True  # "Does head 3 of layer 2 look at the previous token in 'I love you'?": run it and see
    if any(not card.slots for card in named) and not WHY.search(reading.plain) \
            and not _MEANING_ASKED.search(reading.plain):
        return True  # "which attention models are on this machine?": a tool that takes nothing is asked by its name
    # (a tool far closer than any concept is what is asked: 「ここで使えるモデルって何がありますか？」)
    tool_far_ahead = best_tool is not None and whole[0] is best_tool \
        and best_concept is not None and best_concept.score < best_tool.score - TOOL_FAR_AHEAD \
        and not WHY.search(reading.plain) and not _MEANING_ASKED.search(reading.plain) \
        and not _JUDGED.search(reading.plain)
    # (a view named in the form of a request to see it is asked for: 「これを折れ線にしたら読みやすくなるかな」)
    view_to_see = context.tool is not None and bool(named) and asks_to_see(masked) and not WHY.search(reading.plain)
    # (whether another view of the sentence shown would show something is asked by showing it: "ok, and does every head
    # in the last layer agree on that?", 「じゃあ深い層ほどそうなの？」; and so is another view only named: "and the
    # combined flow through all layers?", 「モデル全体だと、ヘッドごとの役割はどうなってる？」)
    other_view = context.text is not None and any(card.tool != context.tool for card in named) \
        and all(card.figure for card in named) and not WHY.search(reading.plain) \
        and not _JUDGED.search(reading.plain) and not _MEANING_ASKED.search(reading.plain) \
        and not _OF_THE_SHOWN.search(reading.plain)
    if other_view and (yes_no and not WH_START.search(reading.plain) and _POINTS_AT_SHOWN.search(reading.plain)
                       or _WHAT_ABOUT.search(reading.plain) or _HOW_IT_CHANGES.search(reading.plain)):
        return True
    # (… unless it asks to see what it names as well: "why does '…' come out in pieces, show me the tokens of '…'")
    shown_too = (bool(reading.sentences) or bool(named)) \
        and any(asks_to_see(piece) for piece in re.split(r"[,;!?、。！？]|\.\s", masked)[1:])
    changed_to_see = context.tool is not None and bool(_CHANGES_IT.search(reading.plain)) \
        and fit.changes_the_view(fit.no_tokens(reading))
    if yes_no and best_concept is not None and best_concept.score >= ASK_BELOW \
            and not requests and reading.expression is None and not follow_up and not tool_far_ahead \
            and not view_to_see and not shown_too and not changed_to_see:
        return False  # "is the heatmap symmetric?": about a view, not for one
    fitting = fit.fitting(reading)
    # a question about a concept names tokens to speak of them ("does that mean it gets 'keys' wrong?"), not to
    # draw their line
    spoken_of = asks_concept and (yes_no or bool(_WH_QUESTION.search(reading.plain)) or bool(WHY.search(reading.plain)))
    # "Same sentence through three models: '…' on minilm, gemma and smollm2.": a sentence and what only one tool takes
    only_one_fits = len(fitting) == 1 and bool(reading.sentences or context.text) \
        and not yes_no \
        and not WHY.search(reading.plain) and not _WH_QUESTION.search(reading.plain)
    # ("can smollm2 do the same?" after a figure: that figure on smollm2)
    return not asks_concept or bool(requests) or only_one_fits \
        or follow_up and (bare(reading) or holds_elsewhere(reading)) and len(reading.models) < 2 \
        or (context.tool is not None and (fit.changes_the_view(fit.as_shown(fit.no_tokens(reading), context.choices)
                                                               if spoken_of else reading)
                                          or reading.new_tokens is not None
                                          # "I'd like smollm2 in there too", "and smollm as a third?"
                                          or bool(reading.models) and bool(ADDS.search(reading.plain))
                                          and not yes_no and not WHY.search(reading.plain)
                                          or reading.key is not None and not spoken_of
                                          or reading.models and bare(reading) and not yes_no)) \
        or any(_literally_asked(card, reading, context) and not (WH_START.search(reading.plain)
                                                                 and set(card.needs_any) == {"model"})
               for card in named) \
        or context.tool is not None and not yes_no \
        and not _WH_QUESTION.search(reading.plain) and any(only_named(card, reading) for card in named) \
        or (bool(reading.sentences) and asks_to_run(masked)) \
        or (bool(named) and (shares[0] < 0.5 and not WHY.search(reading.plain) or asks_to_see(masked))) \
        or (asks_to_see(masked) and fit.sets_a_slot(reading)) \
        or (asks_to_see(masked) and context.tool is not None and best_tool is not None and best_tool.score >= TOOL_MIN
            and not WHY.search(reading.plain))  # "I'd like to see it under gemma"; "what if … chained … instead?"


def _requests(parts: list[list[Match]], shares: list[float], pieces: list[str], masked: str) -> list[Match]:
    """The closest label of each clause that asks for something: worded as a request to see, or nearest to requests
    and to a tool; not a yes/no or why question, a statement, a subordinate or reported clause, nor what was
    seen after a why."""
    return [ranked[0] for ranked, share, piece in zip(parts, shares[1:], pieces, strict=False)
            # (a wh-question whose nearest examples are as many questions as requests asks about something: "What do
            # you lose when you average over the heads?")
            if (share < (0.4 if WH_START.search(piece) else 0.5) or asks_to_see(piece)) and not asks_yes_no(piece)
            and not _SUBORDINATE.search(piece) and not WHY_ANYWHERE.search(piece)  # (「…見られるのはなんで?」)
            and not _STATEMENT_JA.search(piece) and not _STATEMENT_EN.search(piece) and not _NO_FIGURE.search(piece)
            and not _DECLARED_EN.search(piece) and not _ONLY_AN_EXAMPLE.fullmatch(piece)
            and not _TOLD_OF_EARLIER_EN.search(piece) and not _TELLS_EN.search(piece)
            # (after a why, what they saw is no request: "why the first column is so bright? almost all rows go
            # there")
            and not (WHY.search(masked) and not asks_to_see(piece) and "…" not in piece)
            and (ranked[0].kind == "tool" and ranked[0].score >= TOOL_MIN or asks_to_see(piece))]


def _answered_in_words(reading: Reading, masked: str, context: Context, named: list[Card], whole: list[Match],
                       best_concept: Match | None, requests: list[Match]) -> bool:
    """Questions answered in words even when they name a view, a model or a choice: an explanation asked for, the
    idea only, a part of the figure shown, a judgement, a definition, two ideas compared, the models' designs, how
    things usually are, a learner puzzled or surprised, how something works, whether a view is worth it, and the
    sensei's own words quoted back."""
    if _EXPLAIN_ASKED.search(reading.plain) and not (named and asks_to_see(_beside_the_explanation(masked))) \
            and not reading.sentences \
            and best_concept is not None \
            and best_concept.score >= ASK_BELOW:
        return True  # "Give me an explanation I can say out loud", 「説明を用意したい」: words, not a figure
    if (_IDEA_ONLY.search(reading.plain) or _NO_FIGURE.search(reading.plain)
            and (WHY.search(reading.plain) or _WH_QUESTION.search(reading.plain) or asks_yes_no(masked))) \
            and not asks_to_see(_NO_FIGURE.sub(" ", masked)) and reading.expression is None:
        return True  # "…, does that mean the model ignored the 'not'? Asking conceptually, no plot needed."
    if (_A_PART_SHOWN.search(reading.plain) or literal.WHAT_IS_SHOWN.search(reading.plain)) \
            and context.tool is not None and not asks_to_see(masked) \
            and not fit.sets_a_slot(reading) and not reading.sentences:
        return True  # "what's the third panel?", "what are those yellow squares?" after a figure: what it shows
    if _JUDGED.search(reading.plain) and context.tool is None and not asks_to_see(masked) and not reading.sentences \
            and not reading.models and not fit.sets_a_slot(reading) and reading.expression is None and not requests:
        return True  # "3d plot worth it or nah" (nothing shown yet): a judgement asked
    if (_ENDS_ASKING_MEANING.search(reading.plain) or _DEFINITION.search(reading.plain)
            or TERM_ALONE.match(reading.plain) or term_asked(reading)) and not asks_to_see(masked) \
            and not reading.sentences:
        return True  # 「ヘッド平均ってどういうこと」 after a heatmap, "whats a previous-token head?": the idea
    if _ENDS_ASKING_DIFFERENCE.search(reading.plain) and not asks_to_see(masked) and not reading.sentences \
            and not reading.models and not reading.layers and not reading.heads:
        return True  # 「ノルムで見る方法って、重みだけを見るのと何が違うの？」: two ideas compared, in words
    if reading.models and _MODELS_DIFFER.search(reading.plain) and _DESIGNS.search(reading.plain) \
            and not asks_to_see(masked) and not reading.sentences \
            and context.text is None and not reading.layers and not reading.heads and whole \
            and whole[0].kind == "knowledge" and not weak(whole):
        # "what actually differs between minilm, gemma and smollm under the hood?": the designs, in words ("how do
        # BERT, Gemma and Llama differ?" compares them, and so does "how do all three differ?" after a sentence)
        return True
    if GENERAL.search(reading.plain) and not asks_to_see(masked) and not reading.sentences and not reading.models \
            and not fit.sets_a_slot(reading) and reading.expression is None and all(card.slots for card in named):
        return True  # "in general is a bright diagonal just tokens attending to themselves": how things usually are
    if _PUZZLED.search(reading.plain) and not asks_to_see(masked) and not reading.sentences and not reading.models \
            and reading.expression is None and not fit.changes_the_view(fit.no_tokens(reading)):
        return True  # 「shapeの4つの数字、それぞれ何なのかさっぱり…」: what was shown, explained
    if _HOW_IT_WORKS.search(reading.plain) and not asks_to_see(masked) and not reading.sentences \
            and not reading.layers and not reading.heads and reading.expression is None \
            and not any(not card.slots for card in named):  # (「使えるモデルって何があるんでしたっけ」 lists them)
        return True
    if _SURPRISED.search(reading.plain) and not asks_to_see(masked) and not fit.sets_a_slot(reading) \
            and reading.expression is None:
        return True  # 「あれ、ヘッドが9個ある。さっき4つだったのに」: what surprised them, explained
    if _WORTH_IT.search(reading.plain) and not asks_to_see(_WORTH_IT.sub(" ", masked)) and not reading.sentences \
            and not fit.sets_a_slot(reading) and reading.expression is None:
        return True  # "Is 3D plot useful for attention?": whether the view is worth it, in words
    if reading.said_back and not asks_to_see(reading.plain) and not _DO_IT.search(reading.plain) \
            and not reading.sentences and not fit.sets_a_slot(reading) and reading.expression is None:
        # "you wrote '0.5 * A + 0.5 * I'. what's the I?": what the sensei said, explained (a request is looked for in
        # the learner's own words: the words quoted back may read like one, "you wrote 'each row adds up to 1'")
        return True
    return False


def asked_views(named: list[Card], reading: Reading, context: Context) -> list[Card]:
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
             and fit.needs_met(card, reading, context, named=True)]  # ("… so I can compare it with mine")
    if len(named) == 1:  # in a conversation, a view told of what was shown ("OK, the shapes match ours. … I'd like to
        # see the exact numbers") is no view asked for, when something else is asked (not "… Could I see it?")
        pointed_at = any(_POINTS_AT_SHOWN.search(piece) for piece in asking)
        return named if asked or pointed_at or not asking or len(asking) == len(pieces) else []
    return asked or named


def holds_elsewhere(reading: Reading) -> bool:
    """Whether what was shown holds at another choice is asked ("is that also the case in layer 0?"): the same
    view, changed."""
    return bool(_HOLDS_FOR.search(reading.plain)) and not reading.sentences


def only_the_idea(reading: Reading) -> bool:
    """The learner says they want the idea, not a figure ("Asking conceptually", 「仕組みだけ知りたい」)."""
    return bool(_IDEA_ONLY.search(reading.plain) or _NO_FIGURE.search(reading.plain))


def about_something(reading: Reading) -> bool:
    """The question is worded as one about something, not a request: why, what it means, whether it holds, how it
    works ("does that mean BERT resolved the pronoun?", 「どういう計算で直してるんですか？」)."""
    masked = mask_literals(reading.plain)
    plain = reading.plain
    return (bool(WHY.search(plain) or _MEANING_ASKED.search(plain) or _HOW_IT_WORKS.search(plain)
                 or _IDEA_ONLY.search(plain) or asks_yes_no(masked) or WH_START.search(plain) or _WORTH_IT.search(plain)
                 or "?" in plain)  # (a question in any form: "doesnt averaging hide stuff though?", 「本物なん?」)
            and not asks_to_see(masked))


def _tells(piece: str) -> bool:
    """A piece of a question that only tells what the learner did, saw or thinks of what they saw."""
    return bool(_TELLS_EN.search(piece) or _STATEMENT_EN.search(piece) or _DECLARED_EN.search(piece)
                or _SUBORDINATE.search(piece)
                or _TOLD_BEFORE_JA.search(piece)
                or _STATEMENT_JA.search(piece) and not asks_to_see(piece) and not _WISH_JA.search(piece))


# whether a head shown, or one of those shown, has a role ("is that a prev-token head?", "are any of these induction
# heads?", 「これprev-tokenヘッド？」「この中に直前のトークンを見るヘッドってありますか？」)
_ROLE_ASKED = re.compile(r"\b(?:is|are)\s+(?:that|this|it|these|those|there|any(?:\s+of\s+(?:them|these|those))?)\s+"
                         r"(?:any\s+)?(?:an?\s+)?(?:prev(?:ious)?[- ]?token|induction|sink|positional)(?:[- ]like)?"
                         r"\s+heads?\b|(?:これ|それ|この中|その中|ここ)\S{0,8}?(?:直前のトークンを見る|前のトークンを見る"
                         r"|prev-?token|誘導|インダクション|シンク)\s*ヘッド", re.I)


def _asks_of_the_data(reading: Reading, whole: list[Match], yes_no: bool, context: Context,
                      named: list[Card]) -> bool:
    """A question about what the model does with the learner's own sentence ("Does 'ChatGPT' stay one token in
    '…'?", 「『…』で『食べた』はどこを一番見てる?」, "how is that sentence split into tokens?"), which only running
    it answers; not a why, not whether something is normal or broken, not a sentence given as an example, and a
    tool is about as close as any concept."""
    sentence_like = [text for text in reading.sentences if len(text.split()) >= 2
                     or not text.isascii() and len(text) >= 3 or OF_TOKENS.search(reading.plain)]
    if context.text and not reading.sentences and (_THAT_SENTENCE.search(reading.plain)
                                                   or _WHICH_OF_THEM.search(reading.plain)
                                                   or reading.query is not None and reading.key is not None
                                                   or (reading.query is not None or reading.key is not None
                                                       or _SPECIAL_TOKEN.search(reading.plain))
                                                   and _PER_LAYER.search(reading.plain)):
        sentence_like = [context.text]  # ("Does she -> nurse get stronger as we go deeper?": a pair of it)
    if context.text and not reading.sentences and _ROLE_ASKED.search(reading.plain) and not WHY.search(reading.plain):
        return True  # "is that a prev-token head or not", 「これprev-tokenヘッド？」: tag them
    if not sentence_like or WHY.search(reading.plain) or _JUDGED.search(reading.plain) \
            or EXAMPLE.search(reading.plain) or GENERAL.search(reading.plain) \
            or _MEAN.search(mask_literals(reading.plain)):  # ("What do the ## marks mean?")
        return False  # ('what makes a head "induction-like"?', 「「が」と「は」で…」 quote terms, not sentences)
    best_tool = next((m.score for m in whole if m.kind == "tool"), 0.0)
    if reading.sentences and _HOLDS_FOR.search(reading.plain) and best_tool >= ASK_BELOW:
        return True  # "people say the last layer attends to punctuation. is that true for '…'?": check it on that
    if (reading.query is not None and reading.key is not None or _SPECIAL_TOKEN.search(reading.plain)) \
            and (reading.sentences or context.text) and _PER_LAYER.search(reading.plain) and best_tool >= ASK_BELOW:
        return True  # "how does she -> sister evolve over all the layers?", "… on [CLS] from layer 0 to layer 5 for
        # '…'": that pair, or that token, layer by layer
    if reading.sentences and len(reading.models) >= 2 and best_tool >= ASK_BELOW:
        return True  # "minilm, gemma and smollm on '…', how far apart are the three?": run it through them
    # (a model or a view named for the sentence is what to run, however close a concept: "Are there any
    # previous-token heads in minilm when it reads '…'? Which ones?", "How many pieces does minilm chop '…' into?")
    given = bool(reading.sentences) \
        and (bool(reading.models) or any("sentence" in card.slots.values() for card in named))
    gap = 2 * CONCEPT_GAP if given and not WHY_ANYWHERE.search(reading.plain) else CONCEPT_GAP
    return bool(whole) and best_tool >= max(TOOL_MIN, whole[0].score - gap) \
        and (yes_no or bool(_ASKS_WHICH.search(reading.plain)))


def _literally_asked(card: Card, reading: Reading, context: Context) -> bool:
    """A named view given what it runs on as literals: 「「…」のヒートマプ」, 'compare it with minilm'."""
    if card.needs_any:
        return fit.needs_met(card, reading, context, named=True)
    return card.figure and bool(reading.sentences)
