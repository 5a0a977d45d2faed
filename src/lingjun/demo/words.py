"""Word lists and category tables of the synthetic district (:mod:`lingjun.demo`).

All of it is made up for demonstrations and benchmarks except what is marked otherwise: the
industry codes and names are from GB/T 4754-2017, the eight fields are those of 《国家重点支持的
高新技术领域》, the towns and parks come from :mod:`lingjun.dossier.divisions`. The weights, the
"priority industry" list and every name, title, number and counterparty are synthetic.
"""

from __future__ import annotations

from typing import NamedTuple

from lingjun.dossier.schema import HIGHTECH_FIELDS

FIELDS: tuple[str, ...] = tuple(c.value for c in HIGHTECH_FIELDS)
NO_FIELD = len(FIELDS)  # index used for "no high-tech field"


class Industry(NamedTuple):
    code: str  # GB/T 4754-2017
    name: str
    field: str | None  # high-tech field (one of FIELDS)
    key_industry: str | None  # the district's priority industry (synthetic list)
    words: tuple[str, ...]  # 行业词 used in enterprise names
    weights: tuple[float, float, float, float, float]  # relative weight per archetype T, S, H, G, L
    software: bool = False


INDUSTRIES: tuple[Industry, ...] = (
    Industry(
        "C3562",
        "半导体器件专用设备制造",
        "先进制造与自动化",
        "高端装备",
        ("智能装备", "自动化设备"),
        (0.5, 3, 4, 4, 3),
    ),
    Industry(
        "C3491", "工业机器人制造", "先进制造与自动化", "智能科技", ("机器人", "智能制造"), (0.3, 2, 3, 4, 2)
    ),
    Industry(
        "C3499",
        "其他未列明通用设备制造业",
        "先进制造与自动化",
        "高端装备",
        ("机械设备", "机械制造"),
        (4, 3, 4, 2, 3),
    ),
    Industry(
        "C3744", "航空相关设备制造", "航空航天", "高端装备", ("航空科技", "航空设备"), (0.1, 0.5, 1, 1, 1)
    ),
    Industry("C3990", "其他电子设备制造", "电子信息", "智能科技", ("电子科技", "电子设备"), (2, 4, 5, 4, 3)),
    Industry("C3973", "集成电路制造", "电子信息", "智能科技", ("微电子", "半导体"), (0.1, 1, 2, 3, 2)),
    Industry(
        "C3825",
        "光伏设备及元器件制造",
        "新能源与节能",
        "新能源",
        ("光电科技", "光伏科技"),
        (0.5, 1.5, 2, 3, 2),
    ),
    Industry(
        "C3841", "锂离子电池制造", "新能源与节能", "新能源", ("新能源科技", "电池科技"), (0.3, 1, 2, 4, 3)
    ),
    Industry(
        "C2710", "化学药品原料药制造", "生物与新医药", "生物医药", ("药业", "医药科技"), (0.3, 1, 3, 2, 3)
    ),
    Industry("C2720", "化学药品制剂制造", "生物与新医药", "生物医药", ("制药", "医药"), (0.3, 1, 3, 2, 3)),
    Industry(
        "C2761", "生物药品制造", "生物与新医药", "生物医药", ("生物科技", "生物技术"), (0.2, 2, 3, 4, 2)
    ),
    Industry(
        "C3581",
        "医疗诊断、监护及治疗设备制造",
        "生物与新医药",
        "生物医药",
        ("医疗器械", "医疗科技"),
        (0.5, 2, 3, 3, 2),
    ),
    Industry(
        "C2651", "初级形态塑料及合成树脂制造", "新材料", "新材料", ("新材料", "高分子材料"), (1, 1.5, 3, 2, 2)
    ),
    Industry("C3091", "石墨及碳素制品制造", "新材料", "新材料", ("碳素", "石墨科技"), (0.5, 1, 2, 2, 1)),
    Industry(
        "C3670",
        "汽车零部件及配件制造",
        "先进制造与自动化",
        "汽车",
        ("汽车零部件", "汽车配件"),
        (4, 2, 4, 3, 5),
    ),
    Industry(
        "C3612", "新能源车整车制造", "新能源与节能", "汽车", ("新能源汽车", "汽车"), (0.05, 0.2, 0.5, 1, 2)
    ),
    Industry("C3761", "自行车制造", None, "高端装备", ("自行车", "车业"), (5, 0.5, 0.5, 0.3, 1)),
    Industry("C3770", "助动车制造", "先进制造与自动化", None, ("电动车", "车辆"), (3, 0.5, 0.5, 0.5, 1)),
    Industry("C3311", "金属结构制造", None, None, ("钢结构", "金属制品"), (5, 0.3, 0.3, 0.1, 0.5)),
    Industry(
        "C3360", "金属表面处理及热处理加工", None, None, ("表面处理", "热处理"), (3, 0.3, 0.3, 0.1, 0.2)
    ),
    Industry("C1499", "其他未列明食品制造", None, None, ("食品",), (5, 0.3, 0.3, 0.2, 0.5)),
    Industry("C1810", "机织服装制造", None, None, ("服饰", "服装"), (3, 0.1, 0.1, 0.1, 0.2)),
    Industry("I6511", "基础软件开发", "电子信息", "智能科技", ("软件", "软件技术"), (0.3, 2, 2, 2, 1), True),
    Industry(
        "I6513",
        "应用软件开发",
        "电子信息",
        "智能科技",
        ("信息技术", "网络科技", "数字科技"),
        (1, 6, 5, 4, 2),
        True,
    ),
    Industry(
        "I6531", "信息系统集成服务", "电子信息", "智能科技", ("系统集成", "智能系统"), (1, 4, 3, 2, 1), True
    ),
    Industry(
        "I6450", "互联网数据服务", "电子信息", "智能科技", ("数据科技", "云计算"), (0.5, 2, 2, 3, 1), True
    ),
    Industry(
        "M7320", "工程和技术研究和试验发展", "高技术服务", "科技服务", ("科技", "技术研究"), (0.5, 4, 3, 2, 1)
    ),
    Industry(
        "M7340",
        "医学研究和试验发展",
        "生物与新医药",
        "生物医药",
        ("医学科技", "医药研究"),
        (0.2, 1.5, 2, 2, 1),
    ),
    Industry(
        "M7530", "科技中介服务", "高技术服务", "科技服务", ("科技服务", "技术服务"), (1, 2, 1, 0.5, 0.2)
    ),
    Industry("N7721", "水污染治理", "资源与环境", None, ("环保科技", "水处理"), (0.5, 1.5, 2, 1, 1)),
    Industry("N7722", "大气污染治理", "资源与环境", None, ("环境科技", "环保工程"), (0.3, 1, 1.5, 1, 0.5)),
    Industry("G5920", "通用仓储", None, "现代物流", ("物流", "仓储"), (7, 0.3, 0.2, 0.3, 1)),
    Industry("G5431", "普通货物道路运输", None, "现代物流", ("运输", "货运"), (7, 0.2, 0.1, 0.2, 0.5)),
    Industry("F5193", "互联网批发", None, "电子商务", ("电子商务", "供应链"), (6, 0.5, 0.3, 0.5, 0.5)),
    Industry("F5292", "互联网零售", None, "电子商务", ("电商", "网络销售"), (4, 0.3, 0.2, 0.5, 0.3)),
    Industry("F5179", "其他机械设备及电子产品批发", None, None, ("商贸", "贸易"), (10, 0.3, 0.1, 0.1, 0.3)),
)

#: the district's priority industries in the style of a "4+1" list (synthetic, not an official list)
KEY_INDUSTRIES: tuple[str, ...] = tuple(dict.fromkeys(i.key_industry for i in INDUSTRIES if i.key_industry))

#: every 行业词, in a flat list (a name's word is an index into it)
NAME_WORDS: tuple[str, ...] = tuple(dict.fromkeys(w for i in INDUSTRIES for w in i.words))

#: characters of the 字号 (trade name); no 市 so that 天津市… and 天津… names cannot collide
TRADE_NAME_CHARS: tuple[str, ...] = tuple(
    dict.fromkeys(
        "华信诚达瑞博创恒泰康源鑫盛宏德鼎峰汇通远智联星辰光明海金嘉和安润丰晟昊锐捷凯航宇途佳中合正益元方"
        "欣悦志伟立成建兴隆昌茂荣耀腾飞翔云龙麟鹏景致诺瀚泓沃微蓝图精英杰众邦圣奥普力美优品峻岭泽霖淼森"
        "林春秋雅韵琪琳璟瑜琦聪慧睿哲思驰骏铭铄钧锦绣仁义礼谦顺祥福禄寿喜乐泉涛澜川航舟帆桥松柏竹梅兰菊"
        "晨曦朗晴旭阳"
    )
)

#: town weights (streets near the district seat carry more firms); by position in divisions.towns()
TOWN_WEIGHTS: tuple[float, ...] = (
    (10, 12, 6, 5, 5, 6)
    + (2.5, 2, 2.5, 2, 1.5, 2, 1.5, 2, 2.5, 2, 1.5, 1.5, 2.5, 3, 1.5, 1.5, 2, 3, 1.5)
    + (1.5, 1.5, 1.5, 1.5, 1.5)
)
#: park weights; by position in divisions.parks()
PARK_WEIGHTS: tuple[float, ...] = (20, 35, 15, 10, 8, 7, 5)
#: chance of being in a park by archetype (about 40 % overall)
PARK_SHARE = (0.33, 0.5, 0.6, 0.6, 0.7)

BANKS: tuple[str, ...] = (
    "中国工商银行天津武清支行",
    "中国农业银行天津武清支行",
    "中国银行天津武清支行",
    "中国建设银行天津武清支行",
    "交通银行天津武清支行",
    "天津银行武清支行",
    "天津农村商业银行武清支行",
    "渤海银行天津分行",
)
FUND_SUFFIXES: tuple[str, ...] = (
    "创业投资合伙企业（有限合伙）",
    "股权投资基金合伙企业（有限合伙）",
    "创业投资有限公司",
)

#: subjects of patent / project / conversion titles by high-tech field (last entry: no field)
SUBJECTS: tuple[tuple[str, ...], ...] = (
    ("信号采集电路", "物联网终端", "图像识别方法", "数据加密装置", "边缘计算网关"),
    ("缓释制剂", "检测试剂盒", "抗体纯化工艺", "中药提取方法", "医用导管"),
    ("无人机起落架", "航空紧固件", "复合材料蒙皮"),
    ("改性聚丙烯", "石墨烯涂层", "高强铝合金", "碳纤维预浸料", "陶瓷膜"),
    ("供应链协同平台", "检验检测方法", "工业设计服务系统"),
    ("锂电池极片", "光伏逆变器", "储能管理系统", "余热回收装置"),
    ("污水处理装置", "废气净化设备", "土壤修复药剂"),
    ("数控夹具", "自动焊接工作站", "伺服控制系统", "精密减速器", "智能分拣线"),
    ("包装结构", "货架", "车架", "输送装置", "工装夹具"),
)
PATENT_SUFFIXES: tuple[str, ...] = ("", "及其制备方法", "的控制方法", "的检测装置", "及系统")
PROJECT_SUFFIXES: tuple[str, ...] = ("关键技术研究", "研发及产业化", "应用示范", "技术攻关")

LISTING_CODES: tuple[str, ...] = ("none", "neeq", "main_board", "star", "chinext", "bse", "overseas")
#: listing status weights by archetype (T, S, H, G, L)
LISTING_WEIGHTS: tuple[tuple[float, ...], ...] = (
    (1.0, 0, 0, 0, 0, 0, 0),
    (0.995, 0.005, 0, 0, 0, 0, 0),
    (0.965, 0.03, 0, 0, 0, 0.005, 0),
    (0.93, 0.05, 0, 0.02, 0, 0, 0),
    (0.47, 0.1, 0.15, 0.1, 0.1, 0.05, 0.03),
)
