from certificates.codes import ALPHABET, CODE_RE, generate_code, normalize_code


def test_codes_carry_75_random_bits_in_three_groups():
    codes = {generate_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(CODE_RE.match(code) for code in codes)
    assert len(ALPHABET) ** 15 >= 2**75


def test_lookup_forgives_case_dashes_spaces_and_confusable_letters():
    assert normalize_code("7kq2m x9d4r-t3hva") == "7KQ2M-X9D4R-T3HVA"
    assert normalize_code("OIL00-11111-22222") == "01100-11111-22222"


def test_malformed_codes_normalise_to_none():
    for raw in ["", "short", "7KQ2M-X9D4R-T3HVU", "x" * 41, None, 12345, "7KQ2M-X9D4R-T3HV!"]:
        assert normalize_code(raw) is None
