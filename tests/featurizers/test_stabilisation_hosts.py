"""A trace of a cation dopant moves the stabilisation-corrected enthalpy by a trace (audit MEDIUM-3).

Before (main 16bc9ad) a doped composition was predicted for itself, and the model's Magpie minimum,
maximum and range statistics, element count and hull phase count jump at a new element's first
atom: one Ba per 20,000 formula units of Li3OCl moved the correction from -0.073 to -0.170 eV/atom
and the oxidation limit from 3.28 to 3.52 V, 0.005 Ba took Li2OHCl's CO2 reaction away, and 0.005
Mg in tabulated Li2SO4 was 0.24 eV/atom below a hull that already holds Li2SO4. The slopes of the
series below were steps then (9,700 eV/atom per Ba per formula unit at 1e-5). Now a minor cation's
composition is blended with its hosts' (:mod:`electroscreen.featurizers.thermo.stabilisation_hosts`).
"""

from __future__ import annotations

import numpy as np
import pytest

from electroscreen.data.compositions import pack_compositions
from electroscreen.data.formula import SYMBOL_TO_Z, parse_formula
from electroscreen.featurizers.thermo.candidate_enthalpy import corrected_enthalpy
from electroscreen.featurizers.thermo.moisture import MoistureChemistry
from electroscreen.featurizers.thermo.reactivity import AirReactivity
from electroscreen.featurizers.thermo.stabilisation_anions import merged_anions
from electroscreen.featurizers.thermo.stabilisation_data import stabilisation_training_set
from electroscreen.featurizers.thermo.stabilisation_domain import CATION_FULL_SHARE, share_ramp
from electroscreen.featurizers.thermo.stabilisation_frozen import default_stabilisation_model
from electroscreen.featurizers.thermo.stabilisation_hosts import minor_cation_hosts
from electroscreen.featurizers.thermo.window import ElectrochemicalWindow

#: Dopant amounts per formula unit
X = (1e-5, 1e-4, 1e-3, 1e-2)
#: host, then the doped composition at x (charge balanced by the host cation it replaces)
SERIES = {
    "Li3OCl + Ba": ("Li3OCl", lambda x: f"Li{3 - 2 * x:.10g}Ba{x:g}OCl"),  # {O, Cl}: excluded
    "Li4SiO4 + Ba": ("Li4SiO4", lambda x: f"Li{4 - 2 * x:.10g}Ba{x:g}SiO4"),
    "Li2OHCl + Ba": ("Li2OHCl", lambda x: f"Li{2 - 2 * x:.10g}Ba{x:g}OHCl"),
    "Li3PO4 + Mg": ("Li3PO4", lambda x: f"Li{3 - 2 * x:.10g}Mg{x:g}PO4"),  # tabulated host
    "Li2SO4 + Mg": ("Li2SO4", lambda x: f"Li{2 - 2 * x:.10g}Mg{x:g}SO4"),  # tabulated host
    "LLZO + Ga": ("Li7La3Zr2O12", lambda x: f"Li{7 - 3 * x:.10g}Ga{x:g}La3Zr2O12"),
    "LLZO + Ta": ("Li7La3Zr2O12", lambda x: f"Li{7 - x:.10g}La3Zr{2 - x:.10g}Ta{x:g}O12"),
    "Li3OBr + Ca": ("Li3OBr", lambda x: f"Li{3 - 2 * x:.10g}Ca{x:g}OBr"),  # partly in the domain
}
AIR_DESCRIPTORS = ["rxn_h2o_ev_per_atom", "rxn_co2_ev_per_atom", "h2s_h2se_per_atom"]
#: Largest |change from the host| per unit of x over the series, measured 2026-12-07 with the
#: shipped model (gas water): enthalpy 0.76 eV/atom (Li2OHCl + Ba), applied correction 0.57
#: (Li2SO4 + Mg), window limits 2.0 V (Li2SO4 + Mg), moisture descriptors 0.21 (Li2OHCl + Ba); each
#: constant in x (a slope, not a step). Bounds: about 1.5 times that. Since {O, Cl} is excluded
#: (session 26) the anti-perovskites get no correction, doped or not: enthalpy 0.63 (Li2SO4 + Mg),
#: descriptors 0.13 (Li3PO4 + Mg), the rest as before.
ENTHALPY_SLOPE, CORRECTION_SLOPE, WINDOW_SLOPE, DESCRIPTOR_SLOPE = 1.2, 0.9, 3.0, 0.35


def _enthalpy(formula: str) -> float:
    amounts = parse_formula(formula)
    return corrected_enthalpy([SYMBOL_TO_Z[s] for s in amounts], list(amounts.values()), "gas")[0]


def test_one_barium_per_20000_formula_units_moves_the_correction_by_a_trace():
    """Li4SiO4 (untabulated, {O}): 5e-6 eV/atom. Li3OCl, as it was measured before {O, Cl} was
    excluded (-0.073 eV/atom for itself), moved by 1.1e-5 (main 16bc9ad: 0.097); now neither it nor
    its Ba-doped form is corrected."""
    formulas = ["Li4SiO4", "Li3.9999Ba0.00005SiO4"]
    frame = AirReactivity().reactions(formulas)
    correction = frame["stabilisation_ev_per_atom"].to_numpy()
    enthalpy = frame["formation_enthalpy_ev_per_atom"].to_numpy()
    window = ElectrochemicalWindow().transform(formulas)
    assert correction[0] == pytest.approx(-0.0882, abs=5e-4)  # Li4SiO4 itself
    assert abs(correction[1] - correction[0]) < 1e-4  # 5e-6
    assert abs(enthalpy[1] - enthalpy[0]) < 1e-4  # 2e-5
    assert np.abs(window[1, :2] - window[0, :2]).max() < 1e-3  # 3e-5 V
    uncorrected = AirReactivity().reactions(["Li3OCl", "Li2.9999Ba0.00005OCl"])
    assert uncorrected["stabilisation_ev_per_atom"].isna().all()  # the plain hull, both


def test_barium_in_li2ohcl_keeps_its_co2_reaction():
    """Main 16bc9ad lost it with 0.005 Ba (a correction of 0.128 eV/atom more); Li2OHCl and its
    Ba-doped form now keep their hull energy ({O, Cl} is excluded) and react alike."""
    frame = AirReactivity().reactions(["Li2OHCl", "Li1.99Ba0.005OHCl"])
    co2 = frame["rxn_co2_ev_per_atom"].to_numpy()
    assert (co2 < -0.1).all() and abs(co2[1] - co2[0]) < 0.001  # -0.1246, -0.1247
    assert frame["stabilisation_ev_per_atom"].isna().all()


@pytest.mark.parametrize("name", list(SERIES))
def test_a_trace_cation_moves_the_enthalpy_by_a_trace(name):
    """The enthalpy, the applied correction, the window and the moisture descriptors tend to the
    undoped host's as the dopant goes to 0, linearly: a slope per unit of x, not a step."""
    host, doped = SERIES[name]
    formulas = [host, *(doped(x) for x in X)]
    frame = AirReactivity().reactions(formulas)
    x = np.asarray(X)[:, None]
    enthalpy = frame["formation_enthalpy_ev_per_atom"].to_numpy()[:, None]
    correction = np.nan_to_num(frame["stabilisation_ev_per_atom"].to_numpy())[:, None]
    window = ElectrochemicalWindow().transform(formulas)[:, :2]
    descriptors = MoistureChemistry(features=AIR_DESCRIPTORS).transform(formulas)
    assert np.isfinite(window).all() and np.isfinite(descriptors).all()
    for values, bound in [
        (enthalpy, ENTHALPY_SLOPE),
        (correction, CORRECTION_SLOPE),
        (window, WINDOW_SLOPE),
        (descriptors, DESCRIPTOR_SLOPE),
    ]:
        slopes = np.abs(values[1:] - values[0]) / x
        assert (slopes <= bound).all(), (name, slopes)


def test_a_host_with_fewer_elements_than_the_model_keeps_its_hull_energy():
    """Generate's Li4.4133Al0.4Sn0.6O4 without Al and Sn is Li2.0033O: a binary gets no
    correction as a candidate (``min_elements``), so neither as a host (its hull holds a trace of
    Li metal: no window). Main gave Li2.01O with 1e-5 Al the full -0.142 eV/atom."""
    formulas = ["Li2.01O", *(f"Li{2.01 - 3 * x:.10g}Al{x:g}O" for x in X)]
    frame = AirReactivity().reactions(formulas)
    assert np.isnan(frame["stabilisation_ev_per_atom"].iloc[0])  # the plain hull
    correction = frame["stabilisation_ev_per_atom"].to_numpy()[1:]
    assert (np.abs(correction) <= 0.6 * np.asarray(X)).all(), correction  # 0.50 x
    enthalpy = frame["formation_enthalpy_ev_per_atom"].to_numpy()
    assert (np.abs(enthalpy[1:] - enthalpy[0]) <= 3.0 * np.asarray(X)).all()  # the hull's 2.1 x


def test_the_hosts_replace_minor_cations_charge_for_charge():
    formulas = [
        "Li2.99Ba0.005OCl",
        "Li1.99Ba0.005OHCl",
        "Li6.75La3Zr1.75Ta0.25O12",
        "Li3.7Zn0.7In0.3P2O8",
    ]
    blend = minor_cation_hosts(pack_compositions(formulas))
    hosts = blend.hosts.merged
    amounts = [
        dict(zip(hosts.z[lo:hi].tolist(), np.round(hosts.amount[lo:hi], 9).tolist(), strict=True))
        for lo, hi in zip(hosts.offsets[:-1], hosts.offsets[1:], strict=True)
    ]
    li, h, o, cl, p, zn, zr, la = 3, 1, 8, 17, 15, 30, 40, 57
    assert blend.row.tolist() == [0, 1, 2, 3, 3]
    assert amounts[0] == {li: 3.0, o: 1.0, cl: 1.0}  # Ba2+ -> 2 Li+: Li3OCl
    assert amounts[1] == {h: 1.0, li: 2.0, o: 1.0, cl: 1.0}  # Li, not H: the larger amount
    assert amounts[2] == {li: 6.75, o: 12.0, zr: 2.0625, la: 3.0}  # Ta5+ -> Zr4+: closest state
    assert amounts[3] == {li: 3.7, o: 8.0, p: 2.0, zn: 1.15}  # In3+ first, its share the smaller
    assert amounts[4] == {li: 6.0, o: 8.0, p: 2.0}  # then Zn2+ too: Li3PO4
    share_in, share_zn = 0.3 / 6.7, 0.7 / 6.7
    r_in, r_zn = share_ramp(np.array([share_in, share_zn]), CATION_FULL_SHARE)
    np.testing.assert_allclose(
        blend.own, [0.005 / 2.995 * 7, 0.005 / 2.995 * 7, 0.25 / 11.75 * 7, r_in]
    )
    np.testing.assert_allclose(blend.weight[3:], [r_zn - r_in, 1 - r_zn])
    parts = np.bincount(blend.row, weights=blend.weight, minlength=len(formulas))
    np.testing.assert_allclose(blend.own + parts, 1.0, rtol=1e-12)


def test_compositions_without_a_minor_cation_have_no_host():
    formulas = ["Li3OCl", "Li7La3Zr2O12", "Li2SO4", "LiGaF4", "Li3PS4", "Li2OHCl", "Li7TaO6"]
    blend = minor_cation_hosts(pack_compositions(formulas[:-1]))
    assert (blend.own == 1.0).all() and len(blend.row) == 0
    # Li7TaO6: Ta is 1/8 of the cations, under the full share: 7/8 of its own correction
    assert minor_cation_hosts(pack_compositions(formulas[-1:])).own[0] == pytest.approx(7 / 8)


def test_every_training_composition_with_an_anion_is_predicted_by_itself():
    """CATION_FULL_SHARE is the smallest cation share among the default model's training
    compositions with an anion (BeAl6O10, LiCl.3H2O: 1/7), so none of them is blended."""
    packed = stabilisation_training_set("gas", default_stabilisation_model("gas").min_elements)[0]
    merged = merged_anions(packed)
    with_anion = np.flatnonzero(merged.masks > 0)
    assert len(with_anion) > 300
    blend = minor_cation_hosts(packed.take(with_anion), merged=merged.take(with_anion))
    assert (blend.own == 1.0).all()
    cation = merged.states > 0
    total = np.bincount(merged.entry_rows[cation], weights=merged.merged.amount[cation])
    share = merged.merged.amount[cation] / total[merged.entry_rows[cation]]
    smallest = share[np.isin(merged.entry_rows[cation], with_anion)].min()
    assert smallest == pytest.approx(CATION_FULL_SHARE, rel=1e-9)


def test_latp_is_blended_with_its_host():
    """Al is 0.3 of 6.3 cations in Li1.3Al0.3Ti1.7(PO4)3: a third of its own prediction (as
    before) and two thirds of its host's, Al3+ replaced by Ti4+ (Li1.3Ti1.925(PO4)3)."""
    model = default_stabilisation_model("gas")
    own, host = model.predict(["Li1.3Al0.3Ti1.7(PO4)3", "Li1.3Ti1.925P3O12"])
    r = float(share_ramp(0.3 / 6.3, CATION_FULL_SHARE))
    frame = AirReactivity().reactions(["Li1.3Al0.3Ti1.7(PO4)3"])
    assert frame["stabilisation_ev_per_atom"].iloc[0] == pytest.approx(
        r * own + (1 - r) * host, rel=1e-9
    )


@pytest.mark.parametrize(
    "formulas",
    [
        [f"Li{3 - 2 * x:.10g}Ca{x:.10g}OCl" for x in (0.375 - 1e-6, 0.375, 0.375 + 1e-6)],
        [f"Li{2.998 - 2 * x:.10g}Ba0.001Ca{x:.10g}OCl" for x in (0.375 - 1e-6, 0.375, 0.3750011)],
        [f"Li{2.96:.10g}Ca{a:.10g}Mg{0.02 - a:.10g}OCl" for a in (0.01 - 1e-7, 0.01, 0.01 + 1e-7)],
    ],
)
def test_the_correction_is_continuous_where_a_cation_stops_being_minor(formulas):
    """Ca reaching the full share (3/8 per Li3OCl: 1/7 of the cations), with and without a
    second, trace dopant whose hosts keep it; two minor cations swapping order in share."""
    energies = [_enthalpy(formula) for formula in formulas]
    assert np.ptp(energies) < 1e-4, (formulas, energies)


def test_a_row_does_not_change_another_rows_result():
    formulas = [
        "Li2.99Ba0.005OCl", "Li3OCl", "Li1.99Ba0.005OHCl", "Li6.4Ga0.2La3Zr2O12",
        "Li1.3Al0.3Ti1.7(PO4)3", "Li2.99Mg0.005PO4", "Li2.99Ba0.005OCl", "Li3.7Zn0.7In0.3P2O8",
    ]  # fmt: skip
    batch = AirReactivity().reactions(formulas)["formation_enthalpy_ev_per_atom"].to_numpy()
    reverse = AirReactivity().reactions(formulas[::-1])["formation_enthalpy_ev_per_atom"].to_numpy()
    alone = [
        AirReactivity().reactions([f])["formation_enthalpy_ev_per_atom"].iloc[0] for f in formulas
    ]
    assert batch.tolist() == alone == reverse[::-1].tolist()
    single = [_enthalpy(formula) for formula in formulas]  # corrected_enthalpy: the electrodes'
    np.testing.assert_allclose(single, alone, rtol=1e-9)


def test_the_largest_cation_is_never_minor_and_split_hydrogen_is_no_cation():
    """Eight cations of one eighth each: the last host keeps one of them (Ba, the last of equal
    shares; it used to be O7 alone, the removed charge lost). Li2B12H12·7H2O: its 26 H at +0.077 on average and its cage boron are no
    cations, so Li is not made minor and replaced by boron (a H26B14.4O7 host, 65 % of the row)."""
    blend = minor_cation_hosts(pack_compositions(["LiNaKMgCaSrBaAlO7", "Li2B12H12(H2O)7"]))
    assert set(blend.row.tolist()) == {0}  # the hydrate has no host
    hosts = blend.hosts.merged
    assert len(hosts) == 7  # seven of the eight cations minor; the last of equal shares stays
    for h in range(len(hosts)):
        zs = hosts.z[hosts.offsets[h] : hosts.offsets[h + 1]].tolist()
        assert 56 in zs and len(zs) == 8 - h  # Ba kept in every host, one cation fewer each


def test_a_batch_with_nothing_to_correct_keeps_float_amounts():
    """A batch of tabulated compositions leaves the corrections no row: the merged amounts are
    still float64 (numpy's bincount gave int64 for no rows), so the oxidation-state and host kernels
    are not compiled a second time, for int64 amounts, by such a batch."""
    from electroscreen.data import oxidation
    from electroscreen.featurizers.thermo import stabilisation_hosts

    kernels = (oxidation._assign_packed, stabilisation_hosts._hosts)  # amounts: argument 2
    before = [set(kernel.signatures) for kernel in kernels]
    empty = merged_anions(pack_compositions(["Li3PO4"]).take([]))
    assert len(empty.merged) == 0 and empty.merged.amount.dtype == np.float64
    assert len(minor_cation_hosts(empty.merged, merged=empty).own) == 0
    frame = AirReactivity().reactions(["Li3PO4", "Li2SO4"])  # both tabulated: nothing corrected
    assert (frame["enthalpy_source"] == "known").all()
    for kernel, known in zip(kernels, before, strict=True):  # what this test made them compile
        added = set(kernel.signatures) - known
        assert all(str(sig[2].dtype) == "float64" for sig in added), (kernel, added)
