"""The questionnaires the product knows; a response records the version it answered."""

from __future__ import annotations

from survey_api.questionnaires.schemas import Factor, Item, Outcome, Questionnaire, Text


def _t(zh: str, en: str) -> Text:
    return Text(**{"zh-CN": zh, "en": en})


def _item(code: str, factor: str, zh: str, en: str, *, na: bool = False) -> Item:
    return Item(code=code, factor=factor, text=_t(zh, en), na_allowed=na)


CSI_V1 = Questionnaire(
    code="csi-v1",
    version=1,
    scale={
        "min": 1,
        "max": 10,
        "min_label": _t("非常不满意", "Very dissatisfied"),
        "max_label": _t("非常满意", "Very satisfied"),
        # The recommend and come-back questions ask how likely, not how satisfied: their ends say so.
        "recommend.min_label": _t("非常不可能", "Very unlikely"),
        "recommend.max_label": _t("非常可能", "Very likely"),
        "return_intent.min_label": _t("非常不可能", "Very unlikely"),
        "return_intent.max_label": _t("非常可能", "Very likely"),
    },
    factors=[
        Factor(code="service_initiation", name=_t("服务启动", "Service initiation")),
        Factor(code="service_advisor", name=_t("服务顾问", "Service advisor")),
        Factor(code="service_facility", name=_t("服务设施", "Service facility")),
        Factor(code="vehicle_pickup", name=_t("服务后取车", "Vehicle pick-up")),
        Factor(code="service_quality", name=_t("服务质量", "Service quality")),
    ],
    items=[
        _item("si_booking", "service_initiation", "预约服务是否方便", "How easy it was to book the visit", na=True),
        _item(
            "si_time_offered",
            "service_initiation",
            "能否在您方便的时间安排服务",
            "Being offered a time that suited you",
            na=True,
        ),
        _item(
            "si_reception_wait",
            "service_initiation",
            "到店后等候接待的时间",
            "How long you waited before being attended to",
        ),
        _item("si_drop_off", "service_initiation", "车辆交接是否迅速", "How quickly your car was taken in"),
        _item(
            "sa_courtesy", "service_advisor", "服务顾问的礼貌和态度", "Courtesy and attitude of your service advisor"
        ),
        _item(
            "sa_walkaround",
            "service_advisor",
            "接车时是否和您一起检查车辆",
            "Checking the car together with you at reception",
        ),
        _item(
            "sa_estimate",
            "service_advisor",
            "施工前是否说明费用和完工时间",
            "Cost and completion time explained before work began",
        ),
        _item(
            "sa_explanation",
            "service_advisor",
            "交车时对所做工作的说明",
            "Explanation of the work done when you collected the car",
        ),
        _item("sa_advice", "service_advisor", "保养和用车建议", "Maintenance and driving advice you were given"),
        _item("sf_access", "service_facility", "进出服务区是否方便", "Ease of driving in and out of the service area"),
        _item("sf_location", "service_facility", "服务站位置是否便利", "Convenience of the location"),
        _item("sf_cleanliness", "service_facility", "服务区域是否整洁", "Cleanliness of the service area"),
        _item("sf_lounge", "service_facility", "休息区是否舒适", "Comfort of the customer lounge", na=True),
        _item("vp_on_time", "vehicle_pickup", "是否按约定时间交车", "Car ready at the time you were promised"),
        _item("vp_invoice_matches", "vehicle_pickup", "结算金额与预估是否相符", "Final bill matching the estimate"),
        _item("vp_charges_explained", "vehicle_pickup", "费用是否解释清楚", "Charges clearly explained"),
        _item("vp_price_fair", "vehicle_pickup", "价格是否合理", "Fairness of the price"),
        _item("vp_car_clean", "vehicle_pickup", "交车时车辆是否干净", "Car handed back clean"),
        _item("sq_first_time", "service_quality", "问题是否一次修好", "Work done right the first time"),
        _item(
            "sq_as_requested", "service_quality", "是否完成了您要求的全部工作", "All the work you asked for was done"
        ),
        _item("sq_condition", "service_quality", "交车时车辆状况是否良好", "Car returned in good condition"),
        _item("sq_duration", "service_quality", "完成维修保养所用的时间", "Time taken to complete the work"),
    ],
    outcomes=[
        Outcome(
            code="overall", text=_t("您对本次售后服务的总体满意度", "Overall, how satisfied are you with this visit?")
        ),
        Outcome(
            code="recommend",
            text=_t("您向亲友推荐本店的可能性", "How likely are you to recommend us to friends and family?"),
        ),
        Outcome(
            code="return_intent",
            text=_t("您下次再来本店维修保养的可能性", "How likely are you to come back to us for your next service?"),
            required=False,
        ),
    ],
)

QUESTIONNAIRES: dict[str, list[Questionnaire]] = {"csi-v1": [CSI_V1]}
DEFAULT = CSI_V1


def latest(code: str) -> Questionnaire | None:
    versions = QUESTIONNAIRES.get(code)
    return versions[-1] if versions else None


def get(code: str, version: int) -> Questionnaire | None:
    return next((q for q in QUESTIONNAIRES.get(code, []) if q.version == version), None)
