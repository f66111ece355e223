from core.caching import ProcessLRU


def test_builds_once_per_key_and_drops_the_least_recently_used():
    built = []
    lru = ProcessLRU(maxsize=2)

    def get(key):
        return lru.get_or_build(key, lambda: built.append(key) or key.upper())

    assert [get("a"), get("b"), get("a")] == ["A", "B", "A"]
    assert built == ["a", "b"]
    get("c")  # full: "b" was used least recently
    get("a")
    get("b")
    assert built == ["a", "b", "c", "b"]
