"""Build the box's scales from its configuration: one reader per [scale]/[[scales]] table."""

from __future__ import annotations

from pathlib import Path

from edge.config import ConfigError, EdgeConfig, ScaleConfig
from edge.scales.profiles import load_profile
from edge.scales.reader import ScaleReader
from edge.scales.service import ScaleEntry, ScaleSet
from protocols.scale import FrameOptions, ProfileError, StabilityJudge, make_parser, protocol


def scale_configs(config: EdgeConfig) -> tuple[ScaleConfig, ...]:
    """The box's scales, the default first. `config.scale` wins over `scales[0]`, so settings laid over
    `scale` (remote configuration) take effect."""
    return (config.scale, *config.scales[1:]) if config.scales else (config.scale,)


def build_reader(scale: ScaleConfig, base: Path | None = None) -> tuple[ScaleReader, str]:
    """A reader for one [scale]/[[scales]] table (profile paths relative to `base`), and its model."""
    if scale.profile:
        try:
            profile = load_profile(scale.profile, base)
        except ProfileError as exc:
            raise ConfigError(f"scale {scale.name}: {exc}") from exc
        return ScaleReader.from_profile(scale.port, profile, name=scale.name), profile.model
    # No profile: the keys of [scale] itself, for a continuous protocol with its default frame options.
    try:
        spec = protocol(scale.protocol)
        make_parser(scale.protocol)
    except ValueError as exc:
        raise ConfigError(f"scale {scale.name}: {exc}") from exc
    judge = StabilityJudge(
        window=scale.window,
        tolerance_g=scale.tolerance_g,
        min_span_ms=scale.min_span_ms,
        use_indicator_flag=spec.has_stable_flag,
    )
    reader = ScaleReader(
        scale.port,
        baudrate=scale.baudrate,
        judge=judge,
        parser_factory=lambda: spec.parser(FrameOptions(), "continuous"),
        name=scale.name,
        protocol=spec.name,
    )
    return reader, spec.title


def build_scales(config: EdgeConfig) -> ScaleSet:
    entries = []
    for scale in scale_configs(config):
        reader, model = build_reader(scale, config.path.parent)
        entries.append(ScaleEntry(scale.name, reader, scale.stable_timeout_s, model))
    return ScaleSet(entries)
