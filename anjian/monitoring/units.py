"""ppm ↔ mg/m³ for toxic gases (DOMAIN.md §5): mg/m³ = ppm × M / Vm, Vm = 24.04 L/mol at 20 °C, 101.325 kPa."""

from __future__ import annotations

MOLAR_VOLUME = 24.04
MOLAR_MASS = {"h2s": 34.08, "co": 28.01}


def ppm_to_mg_m3(gas: str, ppm: float) -> float:
    """Concentration in mg/m³ of `gas` ("h2s" or "co") given in ppm."""
    return ppm * MOLAR_MASS[gas] / MOLAR_VOLUME


def mg_m3_to_ppm(gas: str, mg_m3: float) -> float:
    """Concentration in ppm of `gas` given in mg/m³."""
    return mg_m3 * MOLAR_VOLUME / MOLAR_MASS[gas]
