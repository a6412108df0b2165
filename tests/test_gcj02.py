"""GCJ-02 ↔ WGS-84 on published vectors: googollee/eviltransform's test fixture (Shanghai, Shenzhen, Beijing;
the same three in its Go, Python, C#, Ruby and Haskell tests) and the Beijing example of the Java
"Geometry Utilities" README; the inverse returns the WGS-84 point to within a millimetre."""

from __future__ import annotations

import pytest

from protocols.gcj02 import to_gcj02, to_wgs84

VECTORS = [  # (wgs lat, wgs lon), (gcj lat, gcj lon)
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
]


@pytest.mark.parametrize(("wgs", "gcj"), VECTORS)
def test_the_forward_transform_matches_the_published_vectors(wgs, gcj):
    lon, lat = to_gcj02(wgs[1], wgs[0])
    assert (lat, lon) == pytest.approx(gcj, abs=1e-12)


@pytest.mark.parametrize(("wgs", "gcj"), VECTORS)
def test_the_inverse_finds_the_wgs84_point_again(wgs, gcj):
    lon, lat = to_wgs84(gcj[1], gcj[0])
    assert (lat, lon) == pytest.approx(wgs, abs=1e-8)  # 1e-8° ≈ 1 mm


def test_the_readme_example_rounds_to_its_six_decimals():
    lon, lat = to_gcj02(116.348120, 39.980945)
    assert (round(lat, 6), round(lon, 6)) == (39.982297, 116.354308)
    lon, lat = to_wgs84(116.354308, 39.982296)
    assert (round(lat, 5), round(lon, 5)) == (39.98094, 116.34812)


def test_points_outside_china_do_not_move():
    assert to_gcj02(-104.9903, 39.7392) == (-104.9903, 39.7392)  # Denver
    assert to_wgs84(153.0251, -27.4698) == (153.0251, -27.4698)  # Brisbane
