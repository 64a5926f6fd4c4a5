from csi_shared.phones import mask_phones_in, phones_in
from csi_shared.privacy import PersonalValues


def test_phone_numbers_typed_into_free_text_are_found_and_masked() -> None:
    text = "师傅说 139 1111 0013 可以打, or 0086 137 0013 7000, office 021-5555-7777; RO-20261102001 on 2026-11-02, 23110 km"
    assert [e164 for _, _, e164 in phones_in(text)] == ["+8613911110013", "+8613700137000", "+862155557777"]
    masked = mask_phones_in(text)
    assert masked == ("师傅说 139****0013 可以打, or 00861****7000, office 021****7777; RO-20261102001 on 2026-11-02, "
                      "23110 km")  # fmt: skip
    for digits in ("1111", "0013 7000", "5555"):
        assert digits not in masked
    assert mask_phones_in("") == "" and mask_phones_in(None) is None


def test_erasure_finds_a_number_with_the_same_finder() -> None:
    values = PersonalValues()
    values.add_dropped("+8613911110013")
    assert values.redact("call 139-1111-0013 or 13800138000") == "call [erased] or 13800138000"
