"""The corridor geometry of 车辆偏移, against distances known independently."""

from __future__ import annotations

from protocols.warnings.corridor import Fix, distance_to_segment_m, farthest_off, haversine_m, stops

BAODING = (38_873_900, 115_464_600)
SHIJIAZHUANG = (38_042_300, 114_514_300)


def test_one_degree_of_latitude_is_about_111_km():
    # 2πR/360 with the IUGG mean radius: 111,195 m.
    assert haversine_m((0, 0), (1_000_000, 0)) == 111_195


def test_a_known_city_distance():
    # Baoding to Shijiazhuang, great circle: about 124 km (any online calculator).
    assert 123_000 <= haversine_m(BAODING, SHIJIAZHUANG) <= 125_500


def test_a_point_beside_the_middle_of_a_segment_is_its_perpendicular_distance():
    a, b = (38_000_000, 115_000_000), (38_000_000, 116_000_000)
    one_km_north = (38_008_993, 115_500_000)  # 1 km ≈ 0.008993° of latitude
    assert abs(distance_to_segment_m(one_km_north, a, b) - 1000) <= 2


def test_beyond_an_end_the_distance_is_to_that_end():
    a, b = (38_000_000, 115_000_000), (38_000_000, 115_100_000)
    west = (38_000_000, 114_900_000)
    assert abs(distance_to_segment_m(west, a, b) - haversine_m(west, a)) <= 5


def test_the_farthest_fix_outside_the_corridor_is_found():
    a, b = BAODING, SHIJIAZHUANG
    on_route = Fix(1, (a[0] + b[0]) // 2, (a[1] + b[1]) // 2)
    detour = Fix(2, on_route.lat_e6 + 90_000, on_route.lon_e6 - 90_000)  # ~12 km off, north-west
    assert farthest_off([on_route], a, b, 5_000) is None
    found = farthest_off([on_route, detour], a, b, 5_000)
    assert found is not None and found[0] == detour and 9_000 < found[1] < 14_000


def test_a_long_stop_is_found_and_a_short_one_is_not():
    moving = [Fix(i * 60_000, 38_000_000 + i * 10_000, 115_000_000) for i in range(10)]
    parked = [Fix(600_000 + i * 60_000, 38_100_000 + (i % 2) * 100, 115_000_000) for i in range(91)]
    found = stops(moving + parked, radius_m=200, min_ms=60 * 60_000)
    assert [(s.start_ms, s.minutes) for s in found] == [(600_000, 90)]
    assert stops(moving, radius_m=200, min_ms=60 * 60_000) == []
