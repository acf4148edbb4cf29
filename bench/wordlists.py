"""Word lists for the generated benchmark data: names in many languages, news words.

Tuples of (Latin, native script) pairs keep a name's transliteration and its
Cyrillic, Chinese or Hangul form together.
"""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# -- people --------------------------------------------------------------------

ENGLISH_GIVEN = _words(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William "
    "Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Nancy "
    "Daniel Lisa Matthew Margaret Anthony Betty Mark Sandra Donald Ashley Steven Emily "
    "Paul Donna Andrew Michelle Joshua Carol Kevin Amanda Brian Melissa George Deborah"
)
ENGLISH_SURNAMES = _words(
    "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Moore Jackson "
    "Martin Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott "
    "Hill Green Adams Baker Nelson Carter Mitchell Roberts Turner Phillips Campbell Parker "
    "Evans Edwards Collins Stewart Morris Murphy Cook Rogers O'Brien McCarthy O'Neill Fitzgerald"
)
GERMAN_GIVEN = _words(
    "Jürgen Günter Klaus Uwe Dieter Sabine Ursula Monika Jörg Stefan Matthias Katrin Björn "
    "Heike Wolfgang Hans-Peter Karl-Heinz Bärbel Götz Sönke Jens Anke Frauke Torsten"
)
GERMAN_SURNAMES = _words(
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch "
    "Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann "
    "Hartmann Lange Schmitt Werner Krause Köhler Weiß Groß Jäger Böhm Vogel Friedrich"
)
FRENCH_GIVEN = _words(
    "Jean Pierre Michel André Philippe René Françoise Hélène Amélie Benoît Jérôme Zoé Gaël "
    "Léa Cécile Jean-Luc Marie-Claude François Sébastien Thérèse Clément Anaïs Loïc Noël"
)
FRENCH_SURNAMES = _words(
    "Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefèvre "
    "Michel Garnier Bertrand Roux Vincent Fournier Morel Girard Mercier Dupont Lambert "
    "Bonnet François Faure Rousseau Blanc Guérin Muller Boyer Chevalier"
)
SPANISH_GIVEN = _words(
    "José María Juan Luis Carlos Jesús Javier Ángel Andrés Sofía Lucía Raúl Óscar Ramón "
    "Inés Álvaro Begoña Joaquín Nicolás Rocío Iñigo Verónica Sebastián Martín"
)
SPANISH_SURNAMES = _words(
    "García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Jiménez Ruiz "
    "Hernández Díaz Moreno Muñoz Álvarez Romero Alonso Gutiérrez Navarro Torres Domínguez "
    "Vázquez Ramos Gil Ramírez Serrano Blanco Suárez Molina Castro Ortega Delgado Ortiz"
)
TURKISH_GIVEN = _words(
    "Mehmet Mustafa Ahmet Ali Hüseyin Hasan İbrahim Ümit Şükrü Çağlar Gökhan Özlem Ayşe "
    "Fatma Emine Hatice Zeynep Elif Murat Yusuf Ömer Kemal Tayyip Recep"
)
TURKISH_SURNAMES = _words(
    "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan Kılıç "  # noqa: RUF001
    "Aslan Çetin Erdoğan Koç Kurt Özkan Şimşek Polat Korkmaz Karaca Güneş Bulut"
)
CENTRAL_EUROPEAN_GIVEN = _words(
    "Łukasz Paweł Michał Krzysztof Grzegorz Małgorzata Agnieszka Wojciech Jiří Tomáš Petr "
    "Jana Lenka Zdeněk Ondřej Květa Aliaksandr Siarhei Andrius Rūta Jānis Pēteris Gintarė"
)
CENTRAL_EUROPEAN_SURNAMES = _words(
    "Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański Woźniak "
    "Dąbrowski Novák Svoboda Dvořák Černý Procházka Kučera Veselý Lukašenka Kazlauskas "
    "Jankauskas Bērziņš Kalniņš Ozoliņš Horváth Nagy Szabó Tóth"
)
# (Latin transliteration, Cyrillic); patronymics follow the given names' gender.
RUSSIAN_MALE = (
    ("Ivan", "Иван"),
    ("Sergei", "Сергей"),
    ("Dmitry", "Дмитрий"),
    ("Alexei", "Алексей"),
    ("Andrei", "Андрей"),
    ("Vladimir", "Владимир"),
    ("Nikolai", "Николай"),
    ("Mikhail", "Михаил"),
    ("Viktor", "Виктор"),
    ("Yuri", "Юрий"),
    ("Oleg", "Олег"),
    ("Igor", "Игорь"),
    ("Pavel", "Павел"),
    ("Yevgeny", "Евгений"),
    ("Gennady", "Геннадий"),
    ("Arkady", "Аркадий"),
)
RUSSIAN_FEMALE = (
    ("Anna", "Анна"),
    ("Olga", "Ольга"),
    ("Tatiana", "Татьяна"),
    ("Natalia", "Наталья"),
    ("Elena", "Елена"),
    ("Irina", "Ирина"),
    ("Svetlana", "Светлана"),
    ("Yulia", "Юлия"),
)
RUSSIAN_SURNAMES = (
    ("Ivanov", "Иванов"),
    ("Smirnov", "Смирнов"),
    ("Kuznetsov", "Кузнецов"),
    ("Popov", "Попов"),
    ("Vasiliev", "Васильев"),
    ("Petrov", "Петров"),
    ("Sokolov", "Соколов"),
    ("Mikhailov", "Михайлов"),
    ("Novikov", "Новиков"),
    ("Fedorov", "Федоров"),
    ("Morozov", "Морозов"),
    ("Volkov", "Волков"),
    ("Alekseev", "Алексеев"),
    ("Lebedev", "Лебедев"),
    ("Semenov", "Семенов"),
    ("Egorov", "Егоров"),
    ("Pavlov", "Павлов"),
    ("Kozlov", "Козлов"),
    ("Stepanov", "Степанов"),
    ("Nikolaev", "Николаев"),
    ("Orlov", "Орлов"),
    ("Khrenin", "Хренин"),
    ("Sidorov", "Сидоров"),
    ("Gusev", "Гусев"),
    ("Titov", "Титов"),
    ("Belov", "Белов"),
    ("Karpov", "Карпов"),
    ("Zhukov", "Жуков"),
)
UKRAINIAN_SURNAMES = (
    ("Kovalenko", "Коваленко"),
    ("Shevchenko", "Шевченко"),
    ("Bondarenko", "Бондаренко"),
    ("Tkachenko", "Ткаченко"),
    ("Kravchenko", "Кравченко"),
    ("Lukashenko", "Лукашенко"),
)
# Surnames built from a root and an ending: Volkov, Gromsky, Rybachenko ...
SLAVIC_ROOTS = (
    ("Bel", "Бел"),
    ("Chern", "Черн"),
    ("Sokol", "Сокол"),
    ("Volk", "Волк"),
    ("Orl", "Орл"),
    ("Zhuk", "Жук"),
    ("Karp", "Карп"),
    ("Grom", "Гром"),
    ("Lebed", "Лебед"),
    ("Medved", "Медвед"),
    ("Zaits", "Зайц"),
    ("Kotl", "Котл"),
    ("Rybak", "Рыбак"),
    ("Kuzm", "Кузьм"),
    ("Dobr", "Добр"),
    ("Tikhon", "Тихон"),
    ("Shchuk", "Щук"),
    ("Goloven", "Головен"),
    ("Zelen", "Зелен"),
    ("Bogdan", "Богдан"),
    ("Kalash", "Калаш"),
    ("Polyak", "Поляк"),
    ("Savel", "Савел"),
    ("Yermol", "Ермол"),
    ("Tarasen", "Тарасен"),
    ("Gorb", "Горб"),
    ("Pronin", "Пронин"),
    ("Kislov", "Кислов"),
    ("Bondar", "Бондар"),
    ("Moroz", "Мороз"),
)
SLAVIC_ENDINGS = (
    ("ov", "ов"),
    ("ev", "ев"),
    ("in", "ин"),
    ("sky", "ский"),
    ("enko", "енко"),
    ("chuk", "чук"),
)
PATRONYMIC_STEMS = (
    ("Ivanov", "Иванов"),
    ("Sergeyev", "Сергеев"),
    ("Dmitriyev", "Дмитриев"),
    ("Alexandrov", "Александров"),
    ("Viktorov", "Викторов"),
    ("Nikolayev", "Николаев"),
    ("Vladimirov", "Владимиров"),
    ("Petrov", "Петров"),
    ("Borisov", "Борисов"),
    ("Gennadyev", "Геннадьев"),
)
# Spellings of one name that different lists use.
TRANSLITERATIONS = (
    ("Sergei", "Sergey"),
    ("Alexei", "Aleksey"),
    ("Dmitry", "Dmitriy"),
    ("Yevgeny", "Evgeniy"),
    ("Yuri", "Yury"),
    ("Nikolai", "Nikolay"),
    ("Andrei", "Andrey"),
    ("Tatiana", "Tatyana"),
    ("Natalia", "Natalya"),
    ("Yulia", "Julia"),
    ("Vasiliev", "Vasilyev"),
    ("Alekseev", "Alekseyev"),
    ("Fedorov", "Fyodorov"),
    ("Semenov", "Semyonov"),
    ("Egorov", "Yegorov"),
    ("Nikolaev", "Nikolayev"),
    ("Mohammed", "Muhammad"),
    ("Mohammed", "Mohamed"),
    ("Youssef", "Yusuf"),
    ("Hussein", "Husayn"),
)
ARABIC_GIVEN = _words(
    "Mohammed Ahmad Abdullah Omar Khalid Hassan Hussein Youssef Ibrahim Tariq Fatima Aisha "
    "Mariam Faisal Hamza Bilal Samir Walid Rami Nabil Karim Layla"
)
ARABIC_FAMILY = _words(
    "al-Assad al-Rashid Haddad Khoury Nasser Saleh Mansour Hamdan al-Masri Abbas Qassem "
    "Jaber Darwish Bakr Aziz al-Tikriti al-Hashimi Suleiman Barakat Zaidan al-Khatib"
)
PERSIAN_GIVEN = _words(
    "Ali Reza Hossein Mahmoud Javad Mohammad-Reza Zahra Maryam Mehdi Saeed Hamid Abbas "
    "Kaveh Dariush Shirin Parisa Farhad Behrouz"
)
PERSIAN_SURNAMES = _words(
    "Ahmadi Hosseini Rezaei Mousavi Karimi Jafari Rahimi Ghorbani Sadeghi Tehrani Shirazi "
    "Esfahani Hashemi Rostami Moradi Bagheri Zarif Salehi"
)
# (pinyin, characters)
CHINESE_SURNAMES = (
    ("Li", "李"),
    ("Wang", "王"),
    ("Zhang", "张"),
    ("Liu", "刘"),
    ("Chen", "陈"),
    ("Yang", "杨"),
    ("Huang", "黄"),
    ("Zhao", "赵"),
    ("Wu", "吴"),
    ("Zhou", "周"),
    ("Xu", "徐"),
    ("Sun", "孙"),
    ("Ma", "马"),
    ("Zhu", "朱"),
    ("Hu", "胡"),
    ("Guo", "郭"),
    ("He", "何"),
    ("Gao", "高"),
    ("Lin", "林"),
    ("Luo", "罗"),
)
CHINESE_GIVEN = (
    ("Wei", "伟"),
    ("Fang", "芳"),
    ("Min", "敏"),
    ("Jing", "静"),
    ("Lei", "磊"),
    ("Jun", "军"),
    ("Yong", "勇"),
    ("Jie", "杰"),
    ("Tao", "涛"),
    ("Ming", "明"),
    ("Chao", "超"),
    ("Hua", "华"),
    ("Shangfu", "尚福"),
    ("Xiaoming", "小明"),
    ("Jianguo", "建国"),
    ("Haidong", "海东"),
    ("Zhiqiang", "志强"),
    ("Xiuying", "秀英"),
    ("Guoqiang", "国强"),
    ("Jianhua", "建华"),
    ("Yuxuan", "雨轩"),
    ("Zihan", "子涵"),
    ("Weidong", "卫东"),
    ("Hongwei", "宏伟"),
    ("Xiaoping", "小平"),
    ("Yanping", "燕萍"),
)
# (romanisation, Hangul)
KOREAN_SURNAMES = (
    ("Kim", "김"),
    ("Lee", "이"),
    ("Park", "박"),
    ("Choi", "최"),
    ("Jung", "정"),
    ("Kang", "강"),
    ("Cho", "조"),
    ("Yoon", "윤"),
    ("Jang", "장"),
    ("Lim", "임"),
)
KOREAN_GIVEN = (
    ("Jong-un", "정은"),
    ("Min-jun", "민준"),
    ("Seo-yeon", "서연"),
    ("Ji-hoon", "지훈"),
    ("Hye-jin", "혜진"),
    ("Dong-hyun", "동현"),
    ("Sung-min", "성민"),
    ("Yeon-woo", "연우"),
    ("Young-ho", "영호"),
    ("Kyung-soo", "경수"),
    ("Myung-bak", "명박"),
    ("Chol-su", "철수"),
)

# -- organisations -------------------------------------------------------------

ORG_DESCRIPTORS = _words(
    "Global United National International Northern Southern Eastern Western Central Pacific "
    "Atlantic Baltic Caspian Arctic Golden Silver Royal Imperial Modern Prime First New Grand "
    "Crescent Alpha Delta Omega Sigma Vector Zenith Horizon Summit Phoenix Falcon Eagle Orion "
    "Meridian Sterling Titan Apex Pinnacle Polar Coastal Continental Oriental Trans Euro Asia"
)
ORG_PLACES = _words(
    "Volga Ural Siberian Amur Shenzhen Shanghai Dubai Tehran Minsk Caracas Havana Pyongyang "
    "Damascus Limassol Riga Tallinn Istanbul Singapore Panama Tbilisi Baku Almaty Tashkent "
    "Murmansk Novorossiysk Vladivostok Aden Benghazi Khartoum Bandar Abbas Labuan Sharjah"
)
ORG_SECTORS = _words(
    "Energy Oil Gas Petroleum Shipping Maritime Logistics Trading Trade Commerce Investment "
    "Capital Finance Bank Metals Mining Steel Aluminium Chemicals Engineering Construction "
    "Aviation Airlines Technologies Electronics Industries Agro Fertilizer Textiles Pharma "
    "Telecom Security Consulting Resources Tankers Marine Petrochemical Precision Machinery "
    "Nuclear Aerospace Defence Microelectronics Semiconductor Freight Import Export"
)
ORG_SUFFIXES = (
    "Ltd",
    "Limited",
    "LLC",
    "Inc.",
    "Corp.",
    "Group",
    "Holding",
    "Holdings",
    "GmbH",
    "AG",
    "S.A.",
    "JSC",
    "PJSC",
    "FZE",
    "FZCO",
    "Pte Ltd",
    "B.V.",
    "Trading Co.",
)
SUFFIX_SYNONYMS = {
    "Ltd": "Limited",
    "Limited": "Ltd",
    "Corp.": "Corporation",
    "Inc.": "Incorporated",
    "Holding": "Holdings",
    "Holdings": "Holding",
    "Pte Ltd": "Pte. Ltd.",
}
BRAND_SYLLABLES = _words(
    "ka ro ve lin tra mar sol den vix quo zen tal bri nor gal fer dor lum pra sen tor val "
    "cor nex ar mon ster kel dra fin gra hel ost pol rav tek ul vor zan"
)
BRAND_ENDINGS = ("a", "ex", "on", "is", "ia", "um", "ar", "o", "", "", "")
RUSSIAN_ORG_STEMS = (
    ("Sever", "Север"),
    ("Vostok", "Восток"),
    ("Ural", "Урал"),
    ("Volga", "Волга"),
    ("Sibir", "Сибирь"),
    ("Baltik", "Балтик"),
    ("Almaz", "Алмаз"),
    ("Zvezda", "Звезда"),
    ("Granit", "Гранит"),
    ("Kristall", "Кристалл"),
    ("Yug", "Юг"),
    ("Arktik", "Арктик"),
    ("Amur", "Амур"),
    ("Tavrida", "Таврида"),
)
RUSSIAN_ORG_ENDINGS = (
    ("neft", "нефть"),
    ("gaz", "газ"),
    ("trans", "транс"),
    ("prom", "пром"),
    ("stroi", "строй"),
    ("invest", "инвест"),
    ("tekh", "тех"),
    ("metall", "металл"),
    ("flot", "флот"),
    ("energo", "энерго"),
    ("snab", "снаб"),
    ("bank", "банк"),
)
RUSSIAN_ORG_FORMS = (("OOO", "ООО"), ("AO", "АО"), ("PAO", "ПАО"), ("ZAO", "ЗАО"))  # noqa: RUF001
CHINESE_ORG_PLACES = (
    ("Shenzhen", "深圳"),
    ("Shanghai", "上海"),
    ("Beijing", "北京"),
    ("Tianjin", "天津"),
    ("Dalian", "大连"),
    ("Xiamen", "厦门"),
    ("Guangzhou", "广州"),
    ("Ningbo", "宁波"),
)
CHINESE_ORG_NAMES = (
    ("Huaxin", "华信"),
    ("Zhongxing", "中兴"),
    ("Dongfang", "东方"),
    ("Changjiang", "长江"),
    ("Hengtong", "恒通"),
    ("Jinlong", "金龙"),
    ("Haiyang", "海洋"),
    ("Tianyu", "天宇"),
    ("Hongda", "宏达"),
    ("Xinhua", "新华"),
)
CHINESE_ORG_SECTORS = (
    ("Trading", "贸易"),
    ("Energy", "能源"),
    ("Shipping", "航运"),
    ("Technology", "科技"),
    ("Electronics", "电子"),
    ("Chemical", "化工"),
    ("Logistics", "物流"),
)

# -- news text -----------------------------------------------------------------

COMMON_WORDS = _words(
    "the of and to in a is that for it as was with be by on not he this are or his from at "
    "which but have an they you were her she there been one all we their has would when if "
    "so no will more can said who about up out them some could what into than other time "
    "only new its also after two over first year most people any may these government "
    "state between world many week month report officials minister company market talks "
    "deal agreement sanctions security defence trade energy oil prices forces border "
    "meeting president spokesman statement ministry financial exports shipments cargo "
    "network investigation court ruling bank accounts assets frozen transfer payment "
    "contract tender supply military equipment region capital city council parliament "
    "election vote opposition coalition economy growth inflation rate percent billion "
    "million dollars euros analysts investors shares output production pipeline port "
    "vessel tanker crew flight airport visit delegation summit partners allies pressure"
)
PLACES = _words(
    "Brussels Washington London Moscow Beijing Minsk Kyiv Tehran Ankara Berlin Paris Madrid "
    "Warsaw Vilnius Riga Tallinn Dubai Singapore Caracas Havana Damascus Baghdad Seoul Tokyo "
    "Geneva Vienna Istanbul Tashkent Almaty Tbilisi Baku Cairo Khartoum Nairobi Panama"
)
DAYS = _words("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
AGENCIES = ("Reuters", "Bloomberg", "dpa", "Xinhua", "Interfax", "Kyodo")

SENTENCE_TEMPLATES = (
    "{person} said on {day} that the {noun} would not affect {noun2} in {place}.",
    "According to {org}, {num} {noun} were shipped to {place} last {period}.",
    "{person}, who heads {org}, declined to comment when reached by telephone.",
    "The {noun} was signed by {person} and representatives of {org} in {place}.",
    "Officials in {place} said {org} had transferred {num} million dollars to {org2}.",
    "\u201cWe will not accept this,\u201d {person} told reporters in {place} on {day}.",
    "{org} denied any wrongdoing in a statement on {day}.",
    "Shares of {org} fell {num} percent after the announcement.",
    "{person}'s office said the {noun} had been postponed until next {period}.",
    "A spokesman for {person} said the {noun} was \u201cpurely commercial.\u201d",
    "Documents seen by {agency} show that {org} used a {noun} registered in {place}.",
    "{person} met {person2} in {place} to discuss the {noun} and {noun2}.",
    "The {adjective} {noun} of {org} is now under investigation in {place}.",
    "In {place}, {person} and {person2} appeared together at a {noun} on {day}.",
)
FILLER_TEMPLATES = (
    "The {noun} in {place} {verb} {adverb} as {noun2} {verb2} {prep} the {noun3}.",
    "{Cap} {noun} {verb} {prep} {num} percent {prep2} the {adjective} {noun2}.",
    "Analysts said the {noun} {verb} {adverb}, while {noun2} {verb2} {prep} {place}.",
    "It was not clear whether the {noun} would {verb_base} the {adjective} {noun2}.",
    "The {adjective} {noun} {verb} {prep} the {noun2} of the {noun3} on {day}.",
    "{Cap} {noun2} in {place} {verb} for the {ordinal} time this {period}.",
)
NOUNS = _words(
    "deal agreement report investigation shipment payment contract tender network company "
    "market economy pipeline vessel cargo delegation meeting statement ruling election "
    "coalition budget proposal embargo inquiry review plan programme project fund"
)
VERBS = _words("rose fell slowed grew expanded stalled collapsed recovered increased declined")
VERBS_BASE = _words("affect delay change reverse support weaken strengthen replace")
ADVERBS = _words("sharply slightly steadily quickly unexpectedly again further modestly")
ADJECTIVES = _words(
    "new latest previous main largest final joint foreign domestic regional national "
    "financial military commercial disputed controversial secret"
)
PREPOSITIONS = _words("in across against during after before near under over")
PERIODS = _words("week month year quarter")
ORDINALS = _words("first second third fourth fifth")
