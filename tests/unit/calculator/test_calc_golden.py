"""Golden cases: figures worked out by hand from shared/reference/reimbursement-rules.md (§ cited per case).

Each row: request fields, then the expected base, rate, statutory paid, complementary paid, out of pocket and total
billed. Dates are chosen on both sides of each dated change (1 Jul 2025, 1 Mar 2026, 22 Apr 2026).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bot.calculator import CalculatorInputError, EstimateRequest, error_text, estimate
from bot.calculator.rules import RuleDateError

JAN_2026 = dt.date(2026, 1, 10)  # after the 1 Jul 2025 fees, before the 1 Mar 2026 forfaits
D = Decimal

# (id, request kwargs, base, rate, statutory_paid, complementary_paid, out_of_pocket, billed or None (= price))
CASES = [
    # §0/§3: GP €30 in parcours: 30×70% − €2 PF = 19.00; no mutuelle → 11.00
    ("gp-parcours", dict(care="gp", price="30"), "30", 70, "19.00", "0.00", "11.00", None),
    # §3 row 1: same with a 100% BR mutuelle → 19.00 / 9.00 / 2.00
    ("gp-parcours-mut100", dict(care="gp", price="30", mutuelle=100), "30", 70, "19.00", "9.00", "2.00", None),
    # §3 row 2 and its note: hors parcours 30×30% − 2 = 7.00 (not 8.40)
    ("gp-hors-parcours", dict(care="gp", price="30", medecin_traitant=False), "30", 30, "7.00", "0.00", "23.00", None),
    # §2 notes: hors parcours, a contrat responsable pays the normal TM (30% BR = 9), never the 40-point majoration
    (
        "gp-hp-mut100",
        dict(care="gp", price="30", medecin_traitant=False, mutuelle=100),
        "30",
        30,
        "7.00",
        "9.00",
        "14.00",
        None,
    ),
    # §1a GP child under 6 = €35; §1e under 18: no PF
    ("gp-child-4", dict(care="gp", price="35", age=4), "35", 70, "24.50", "0.00", "10.50", None),
    # §1d/§1e under 16: no hors-parcours penalty, no PF
    (
        "gp-15-no-mt",
        dict(care="gp", price="30", age=15, medecin_traitant=False),
        "30",
        70,
        "21.00",
        "0.00",
        "9.00",
        None,
    ),
    # §1e 16–17: parcours applies (30%) but no PF
    (
        "gp-17-no-mt",
        dict(care="gp", price="30", age=17, medecin_traitant=False),
        "30",
        30,
        "9.00",
        "0.00",
        "21.00",
        None,
    ),
    # §1a non-OPTAM GP base €23 → 23×70% − 2 = 14.10; §1g contrat responsable: non-OPTAM cover ≤ 200% BR (46)
    (
        "gp-non-optam-mut300",
        dict(care="gp", price="50", sector="2", mutuelle=300),
        "23",
        70,
        "14.10",
        "29.90",
        "6.00",
        None,
    ),
    # §1g: OPTAM doctor, no regulatory cap: 300% BR covers the whole €50 except the PF
    (
        "gp-optam-mut300",
        dict(care="gp", price="50", sector="2-optam", mutuelle=300),
        "30",
        70,
        "19.00",
        "29.00",
        "2.00",
        None,
    ),
    # §1a/§1b sector 3: tarif d'autorité €0.61 × 70% = 0.43, all taken by the €2 PF (rest carried over)
    ("gp-sector-3", dict(care="gp", price="60", sector="3"), "0.61", 70, "0.00", "0.00", "60.00", None),
    # §3 row 3: specialist €31.50 referred, mutuelle 100% → 20.05 / 9.45 / 2.00
    (
        "specialist-referred-mut100",
        dict(care="specialist", price="31.50", mutuelle=100),
        "31.50",
        70,
        "20.05",
        "9.45",
        "2.00",
        None,
    ),
    # §1a/§1d hors parcours: base €26.50 at 30% = 7.95 − 2 = 5.95; the €10.50 above the base is a DA
    (
        "specialist-hp",
        dict(care="specialist", price="37", medecin_traitant=False),
        "26.50",
        30,
        "5.95",
        "0.00",
        "31.05",
        None,
    ),
    # §2 formula: mutuelle = min(37 − DA 10.50, 200%×26.50) − 7.95 − majoration 10.60 = 7.95; you keep PF+maj+DA
    (
        "specialist-hp-mut200",
        dict(care="specialist", price="37", medecin_traitant=False, mutuelle=200),
        "26.50",
        30,
        "5.95",
        "7.95",
        "23.10",
        None,
    ),
    # §1a non-OPTAM specialist base €23 (L, conflict); §1g 150% line → at most 130% for non-OPTAM (20-point gap)
    (
        "specialist-non-optam-mut150",
        dict(care="specialist", price="60", sector="2", mutuelle=150),
        "23",
        70,
        "14.10",
        "13.80",
        "32.10",
        None,
    ),
    # §1g: OPTAM specialist, 200% BR: min(50, 63) − 22.05 = 27.95
    (
        "specialist-optam-mut200",
        dict(care="specialist", price="50", sector="2-optam", mutuelle=200),
        "31.50",
        70,
        "20.05",
        "27.95",
        "2.00",
        None,
    ),
    # §0 gynaecologist €40 from 1 Jul 2025 (direct access)
    (
        "gyn-2025-07-01",
        dict(care="gynecologist", price="40", date=dt.date(2025, 7, 1)),
        "40",
        70,
        "26.00",
        "0.00",
        "14.00",
        None,
    ),
    # §1a gynaecologist €37 until 30 Jun 2025
    (
        "gyn-2025-06-30",
        dict(care="gynecologist", price="37", date=dt.date(2025, 6, 30)),
        "37",
        70,
        "23.90",
        "0.00",
        "13.10",
        None,
    ),
    # same price €40 before the change: base €37, the €3 above is an excess fee
    (
        "gyn-40-before",
        dict(care="gynecologist", price="40", sector="2-optam", date=dt.date(2025, 6, 30)),
        "37",
        70,
        "23.90",
        "0.00",
        "16.10",
        None,
    ),
    # §0 psychiatrist €57 from 1 Jul 2025; §1d direct access 16–25; mutuelle 100%
    (
        "psy-20-direct",
        dict(care="psychiatrist", price="57", age=20, mutuelle=100, date=dt.date(2025, 7, 1)),
        "57",
        70,
        "37.90",
        "17.10",
        "2.00",
        None,
    ),
    # §1a psychiatrist €55 until 30 Jun 2025
    (
        "psy-2025-06-30",
        dict(care="psychiatrist", price="55", date=dt.date(2025, 6, 30)),
        "55",
        70,
        "36.50",
        "0.00",
        "18.50",
        None,
    ),
    # §1a/§4.4 psychiatrist hors parcours: €52 without MCS at 30% = 15.60 − 2; majoration 20.80, DA €5
    ("psy-hp", dict(care="psychiatrist", price="57", medecin_traitant=False), "52", 30, "13.60", "0.00", "43.40", None),
    # §1a paediatrician under 2: €40 from 1 Jul 2025, no PF (under 18)
    (
        "pedia-1-after",
        dict(care="pediatrician", price="40", age=1, date=dt.date(2025, 7, 1)),
        "40",
        70,
        "28.00",
        "0.00",
        "12.00",
        None,
    ),
    # §1a paediatrician under 2: €39 before 1 Jul 2025
    (
        "pedia-1-before",
        dict(care="pediatrician", price="39", age=1, date=dt.date(2025, 6, 30)),
        "39",
        70,
        "27.30",
        "0.00",
        "11.70",
        None,
    ),
    # §1a paediatrician 2–6: €35
    ("pedia-4", dict(care="pediatrician", price="35", age=4), "35", 70, "24.50", "0.00", "10.50", None),
    # §1a paediatrician over 6: €31.50
    ("pedia-8", dict(care="pediatrician", price="31.50", age=8), "31.50", 70, "22.05", "0.00", "9.45", None),
    # §1a GP teleconsultation €25, PF applies
    ("teleconsultation", dict(care="teleconsultation", price="25"), "25", 70, "15.50", "0.00", "9.50", None),
    # §0/§1b dental 60% since 15 Oct 2023, no PF (§1c): filling BR €29.30
    ("dentist-filling", dict(care="dentist", price="29.30"), "29.30", 60, "17.58", "0.00", "11.72", None),
    # dental scaling BR €43.38 with mutuelle 100%: 26.03 + 17.35
    (
        "dentist-scaling-mut100",
        dict(care="dentist", price="43.38", mutuelle=100),
        "43.38",
        60,
        "26.03",
        "17.35",
        "0.00",
        None,
    ),
    # §1b auxiliaries 60%, §1c franchise €1 per paramedical act
    ("physio", dict(care="physio", price="17.90"), "17.90", 60, "9.74", "0.00", "8.16", None),
    # nurse for a child of 10: no franchise
    ("nurse-child", dict(care="nurse", price="20", age=10), "20", 60, "12.00", "0.00", "8.00", None),
    # §3 row 4: lab BR €40, mutuelle 100% → 22.00 / 16.00 / 2.00
    ("lab-mut100", dict(care="lab", price="40", mutuelle=100), "40", 60, "22.00", "16.00", "2.00", None),
    # §1b imaging 70%, PF applies
    ("imaging", dict(care="imaging", price="50"), "50", 70, "33.00", "0.00", "17.00", None),
    # §1b medicine 65%, §1c €1 franchise per box
    ("med-65", dict(care="medication", price="10", rate=65), "10", 65, "5.50", "0.00", "4.50", None),
    # medicine 15% with mutuelle 100% (not required of a contrat responsable, but paid at the level given)
    (
        "med-15-mut100",
        dict(care="medication", price="10", rate=15, mutuelle=100),
        "10",
        15,
        "0.50",
        "8.50",
        "1.00",
        None,
    ),
    # medicine 100%: the franchise remains
    ("med-100", dict(care="medication", price="10", rate=100), "10", 100, "9.00", "0.00", "1.00", None),
    # medicine 30% for a 12-year-old: no franchise
    ("med-30-child", dict(care="medication", price="10", rate=30, age=12), "10", 30, "3.00", "0.00", "7.00", None),
    # default rate when none is given: 65%
    ("med-default", dict(care="medication", price="10"), "10", 65, "5.50", "0.00", "4.50", None),
    # §1b hospital 80%; §1c FJ €20 × 4 days, 3 of them imputed on the €200 TM → €20 added; you pay 220
    (
        "hosp-fj20",
        dict(care="hospital", price="1000", nights=3, date=dt.date(2026, 2, 28)),
        "1000",
        80,
        "800.00",
        "0.00",
        "220.00",
        "1020.00",
    ),
    # §0 FJ €23 from 1 Mar 2026: 4 × 23, 69 imputed, 23 added
    (
        "hosp-fj23",
        dict(care="hospital", price="1000", nights=3, date=dt.date(2026, 3, 1)),
        "1000",
        80,
        "800.00",
        "0.00",
        "223.00",
        "1023.00",
    ),
    # §1c TM (40) smaller than the FJ: the FJ is due instead — max(40, 5×20) + discharge day 20 = 120
    ("hosp-fj-above-tm", dict(care="hospital", price="200", nights=5), "200", 80, "160.00", "0.00", "120.00", "280.00"),
    # mutuelle 100%: TM and FJ (without time limit) covered
    (
        "hosp-mut100",
        dict(care="hospital", price="1000", nights=3, mutuelle=100, date=dt.date(2026, 2, 28)),
        "1000",
        80,
        "800.00",
        "220.00",
        "0.00",
        "1020.00",
    ),
    # §1c heavy act: €32 from 22 Apr 2026 replaces the TM; FJ €23 × 3 days in full
    (
        "hosp-heavy-32",
        dict(care="hospital", price="5000", nights=2, heavy_act=True, date=dt.date(2026, 4, 22)),
        "5000",
        100,
        "4968.00",
        "0.00",
        "101.00",
        "5069.00",
    ),
    # heavy act on 21 Apr 2026: €24 (date conflict, 22 April chosen)
    (
        "hosp-heavy-24",
        dict(care="hospital", price="5000", nights=2, heavy_act=True, date=dt.date(2026, 4, 21)),
        "5000",
        100,
        "4976.00",
        "0.00",
        "93.00",
        "5069.00",
    ),
    # heavy act before 1 Mar 2026: €24 and FJ €20
    (
        "hosp-heavy-feb",
        dict(care="hospital", price="5000", nights=2, heavy_act=True, date=dt.date(2026, 2, 28)),
        "5000",
        100,
        "4976.00",
        "0.00",
        "84.00",
        "5060.00",
    ),
    # heavy act, mutuelle 100%: the forfait and the FJ are covered
    (
        "hosp-heavy-mut100",
        dict(care="hospital", price="5000", nights=2, heavy_act=True, mutuelle=100, date=dt.date(2026, 4, 22)),
        "5000",
        100,
        "4968.00",
        "101.00",
        "0.00",
        "5069.00",
    ),
    # §1e ALD stay: 100%, but the FJ remains, charged every day
    (
        "hosp-ald",
        dict(care="hospital", price="1000", nights=2, ald=True),
        "1000",
        100,
        "1000.00",
        "0.00",
        "60.00",
        "1060.00",
    ),
    # §1e maternity (month 7): 100%, no FJ
    (
        "hosp-maternity",
        dict(care="hospital", price="1000", nights=2, pregnancy_month=7),
        "1000",
        100,
        "1000.00",
        "0.00",
        "0.00",
        "1000.00",
    ),
    # §1e CSS: FJ exempt, TM covered
    (
        "hosp-css",
        dict(care="hospital", price="1000", nights=2, css=True),
        "1000",
        80,
        "800.00",
        "200.00",
        "0.00",
        "1000.00",
    ),
    # §4.12 same-day stay: no FJ
    ("hosp-day", dict(care="hospital", price="500", nights=0), "500", 80, "400.00", "0.00", "100.00", "500.00"),
    # §1b 100% from the 31st day: 41 days, 30/41 of the price at 80%; FJ 30 days imputed, 11 in full
    (
        "hosp-41-days",
        dict(care="hospital", price="41000", nights=40),
        "41000",
        80,
        "35000.00",
        "0.00",
        "6220.00",
        "41220.00",
    ),
    # §1c forfait patient urgences €19.61 until 28 Feb 2026
    ("er-feb", dict(care="emergency", date=dt.date(2026, 2, 28)), "0", 100, "0.00", "0.00", "19.61", "19.61"),
    # €23 from 1 Mar 2026
    ("er-mar", dict(care="emergency", date=dt.date(2026, 3, 1)), "0", 100, "0.00", "0.00", "23.00", "23.00"),
    # ALD: reduced €8.49, then €9.96
    (
        "er-ald-feb",
        dict(care="emergency", ald=True, date=dt.date(2026, 2, 28)),
        "0",
        100,
        "0.00",
        "0.00",
        "8.49",
        "8.49",
    ),
    # §0 reduced forfait patient urgences €9.96 from 1 Mar 2026
    (
        "er-ald-mar",
        dict(care="emergency", ald=True, date=dt.date(2026, 3, 1)),
        "0",
        100,
        "0.00",
        "0.00",
        "9.96",
        "9.96",
    ),
    # maternity: exempt
    (
        "er-maternity",
        dict(care="emergency", pregnancy_month=6, date=dt.date(2026, 3, 1)),
        "0",
        100,
        "0.00",
        "0.00",
        "0.00",
        "0.00",
    ),
    # covered by the CSS and by a contrat responsable
    ("er-css", dict(care="emergency", css=True, date=dt.date(2026, 3, 1)), "0", 100, "0.00", "23.00", "0.00", "23.00"),
    # §1g: a contrat responsable covers the forfait patient urgences
    (
        "er-mut",
        dict(care="emergency", mutuelle=100, date=dt.date(2026, 3, 1)),
        "0",
        100,
        "0.00",
        "23.00",
        "0.00",
        "23.00",
    ),
    # with a price: the care is paid in full, the forfait is added
    (
        "er-price",
        dict(care="emergency", price="150", date=dt.date(2026, 3, 1)),
        "150",
        100,
        "150.00",
        "0.00",
        "23.00",
        "173.00",
    ),
    # §1b transport 55% since 1 Aug 2023 (UNCAM decision, JO of 1 Aug 2023; Le Moniteur des pharmacies 2023-08-30;
    # reference corrected 2026-12-01: not 65%), §1c €4 franchise per trip: 55 − 4 = 51.00
    ("ambulance", dict(care="ambulance", price="100"), "100", 55, "51.00", "0.00", "49.00", None),
    # same trip, mutuelle 100% BR: it pays the 45% ticket modérateur, never the franchise
    ("ambulance-mut100", dict(care="ambulance", price="100", mutuelle=100), "100", 55, "51.00", "45.00", "4.00", None),
    # SAMU-dispatched urgent pre-hospital transport: 100%, no franchise (décret 2023-81, legifrance)
    ("ambulance-samu", dict(care="ambulance", price="100", urgent=True), "100", 100, "100.00", "0.00", "0.00", None),
    # ALD transport 100%, the franchise remains
    ("ambulance-ald", dict(care="ambulance", price="100", ald=True), "100", 100, "96.00", "0.00", "4.00", None),
    # §1a/§1b Mon soutien psy: €50, 60% = 30, the 40% (20) covered by a contrat responsable
    (
        "psychologist-mut100",
        dict(care="psychologist", price="50", mutuelle=100),
        "50",
        60,
        "30.00",
        "20.00",
        "0.00",
        None,
    ),
    # §1b Mon soutien psy without a mutuelle: the 40% (€20) stays with the patient
    ("psychologist", dict(care="psychologist", price="50"), "50", 60, "30.00", "0.00", "20.00", None),
    # from age 3 only
    (
        "psychologist-age-2",
        dict(care="psychologist", price="50", age=2, mutuelle=100),
        "0",
        0,
        "0.00",
        "0.00",
        "50.00",
        None,
    ),
    # §1e maternity from the 6th month: 100%, no PF
    ("gp-maternity-6", dict(care="gp", price="30", pregnancy_month=6), "30", 100, "30.00", "0.00", "0.00", None),
    # month 5: ordinary rules
    ("gp-maternity-5", dict(care="gp", price="30", pregnancy_month=5), "30", 70, "19.00", "0.00", "11.00", None),
    # §1e ALD: 100% but the PF remains
    ("gp-ald", dict(care="gp", price="30", ald=True), "30", 100, "28.00", "0.00", "2.00", None),
    # §1e CSS: no PF, TM covered
    ("gp-css", dict(care="gp", price="30", css=True), "30", 70, "21.00", "9.00", "0.00", None),
    # §1d (lamutuellegenerale 2015, flagged): CSS holder without médecin traitant, no penalty
    (
        "gp-css-no-mt",
        dict(care="gp", price="30", css=True, medecin_traitant=False),
        "30",
        70,
        "21.00",
        "9.00",
        "0.00",
        None,
    ),
    # §1e CSS: a sector-2 specialist may not bill excess fees; the CSS tops up to 100% of the base
    (
        "specialist-s2-css",
        dict(care="specialist", price="60", sector="2-optam", css=True),
        "31.50",
        70,
        "22.05",
        "9.45",
        "0.00",
        "31.50",
    ),
    # first day covered by the rules
    ("gp-first-day", dict(care="gp", price="30", date=dt.date(2024, 12, 22)), "30", 70, "19.00", "0.00", "11.00", None),
    # --- 100% Santé (rules.yml; no official page found for these figures, see their notes) ---
    # Crown base €120 whatever the material (arrêté of 23 Feb 2024, JORF 24 Feb 2024, annexe 1; dentists' fee lists),
    # dental rate 60% (rate.dentist). Issue 17: an €800 crown is not "60% of €800 = €480": 60% × 120 = €72.
    ("crown-free-800", dict(care="crown", price="800", basket="libre"), "120", 60, "72.00", "0.00", "728.00", None),
    # 100% Santé ceramic-metal crown on an incisor, capped at €500 (dental convention annexe IV, 1 Jan 2023 column):
    # with a contrat responsable the patient pays nothing (R871-2 as summarised in shared/reference §2)...
    (
        "crown-100-sante-mut",
        dict(care="crown", price="500", material="ceramic-metal", tooth="incisor", mutuelle=100),
        "120",
        60,
        "72.00",
        "428.00",
        "0.00",
        None,
    ),
    # ... and without one, everything above the Sécurité sociale's €72
    (
        "crown-100-sante-none",
        dict(care="crown", price="500", material="ceramic-metal", tooth="incisor"),
        "120",
        60,
        "72.00",
        "0.00",
        "428.00",
        None,
    ),
    # 100% Santé metal crown billed €350 while capped at €290: the €60 above the cap is never covered
    (
        "crown-metal-above-cap",
        dict(care="crown", price="350", material="metal", mutuelle=100),
        "120",
        60,
        "72.00",
        "218.00",
        "60.00",
        None,
    ),
    # tarif maîtrisé: ceramic-metal crown on a second premolar, capped at €550; a 200% BR mutuelle tops up to €240
    (
        "crown-maitrise-mut200",
        dict(care="crown", price="550", material="ceramic-metal", tooth="premolar-2", mutuelle=200),
        "120",
        60,
        "72.00",
        "168.00",
        "310.00",
        None,
    ),
    # free price: ceramic-metal crown on a molar, no cap; a 300% BR mutuelle tops up to €360
    (
        "crown-libre-mut300",
        dict(care="crown", price="800", material="ceramic-metal", tooth="molar", mutuelle=300),
        "120",
        60,
        "72.00",
        "288.00",
        "440.00",
        None,
    ),
    # class I hearing aid (100% Santé) from age 20: capped at €950 per ear, 60% of a €400 base = €240, a contrat
    # responsable pays the €710 left (surdi13.fr citing the arrêté of 14 Nov 2018; le7.info 2021; comparateur 2025)
    (
        "hearing-1-mut",
        dict(care="hearing_aid", price="950", device_class="1", age=70, mutuelle=100),
        "400",
        60,
        "240.00",
        "710.00",
        "0.00",
        None,
    ),
    # the same without a mutuelle
    (
        "hearing-1-none",
        dict(care="hearing_aid", price="950", device_class="1", age=70),
        "400",
        60,
        "240.00",
        "0.00",
        "710.00",
        None,
    ),
    # class II at €1,500 with a 300% BR mutuelle: the Sécurité sociale €240, the mutuelle up to 300% × 400 = €1,200
    (
        "hearing-2-mut300",
        dict(care="hearing_aid", price="1500", device_class="2", age=70, mutuelle=300),
        "400",
        60,
        "240.00",
        "960.00",
        "300.00",
        None,
    ),
    # class II at €2,000 with a 500% mutuelle: Sécurité sociale + mutuelle at most €1,700 (insureglobe, L)
    (
        "hearing-2-capped",
        dict(care="hearing_aid", price="2000", device_class="2", age=70, mutuelle=500),
        "400",
        60,
        "240.00",
        "1460.00",
        "300.00",
        None,
    ),
    # Glasses (one pair). Sources: service-public F33950 (modified 2024-08-21): the frame at 60% of a €9 tariff in
    # class A, €0.05 in class B; the lenses' tariffs vary with the correction (not held: the base is the frame's).
    # F20314 (modified 2024-05-15): a contrat responsable pays class A (100% Santé) glasses in full; class B at most
    # €420 for simple lenses, €100 of it for the frame. Class A frame limit €30: alan.com, adpassurances, april (M).
    # class A pair at €100 with a contrat responsable: 60% × 9 = €5.40, the mutuelle the €94.60 left, nothing to pay
    (
        "glasses-a-mut",
        dict(care="glasses", price="100", device_class="A", mutuelle=100),
        "9",
        60,
        "5.40",
        "94.60",
        "0.00",
        None,
    ),
    # the same pair without a mutuelle: only the frame's 60% × 9 is counted (the lenses' share is not held)
    ("glasses-a-none", dict(care="glasses", price="100", device_class="A"), "9", 60, "5.40", "0.00", "94.60", None),
    # the same with the CSS: class A glasses cost nothing
    (
        "glasses-a-css",
        dict(care="glasses", price="100", device_class="A", css=True),
        "9",
        60,
        "5.40",
        "94.60",
        "0.00",
        None,
    ),
    # a €45 frame in a €150 "class A" pair: €15 above the €30 limit, so the 100% Santé cover stops at €135
    (
        "glasses-a-frame-above-cap",
        dict(care="glasses", price="150", device_class="A", frame_price="45", mutuelle=100),
        "9",
        60,
        "5.40",
        "129.60",
        "15.00",
        None,
    ),
    # class B pair at €340 (the average single-vision pair): 60% × 0.05 = €0.03; a 100% BR mutuelle the €0.02 left
    (
        "glasses-b-mut100",
        dict(care="glasses", price="340", device_class="B", mutuelle=100),
        "0.05",
        60,
        "0.03",
        "0.02",
        "339.95",
        None,
    ),
    # the same without a mutuelle
    ("glasses-b-none", dict(care="glasses", price="340", device_class="B"), "0.05", 60, "0.03", "0.00", "339.97", None),
    # 300% BR: 300% × 0.05 = €0.15 in all, the mutuelle €0.12 (why mutuelles state glasses in euros, not % BR)
    (
        "glasses-b-mut300",
        dict(care="glasses", price="340", device_class="B", mutuelle=300),
        "0.05",
        60,
        "0.03",
        "0.12",
        "339.85",
        None,
    ),
    # a child's class B pair: the same tariffs before 18 (F33950)
    (
        "glasses-b-child",
        dict(care="glasses", price="200", device_class="B", age=10),
        "0.05",
        60,
        "0.03",
        "0.00",
        "199.97",
        None,
    ),
]


@pytest.mark.parametrize(
    "kwargs, base, rate, statutory, complementary, you, billed",
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_golden(kwargs, base, rate, statutory, complementary, you, billed):
    kwargs = {"date": JAN_2026, **kwargs}
    result = estimate(EstimateRequest(**kwargs))
    assert result.base == D(base)
    assert result.rate == D(rate)
    assert result.statutory_paid == D(statutory)
    assert result.complementary_paid == D(complementary)
    assert result.out_of_pocket == D(you)
    assert result.billed == D(billed if billed is not None else kwargs["price"])


def test_at_least_forty_golden_cases_covering_every_care():
    from bot.calculator import CARES

    assert len(CASES) >= 40
    assert {case[1]["care"] for case in CASES} == set(CARES)


def _keys(**kwargs):
    return [a.key for a in estimate(EstimateRequest(**{"date": JAN_2026, **kwargs})).assumptions]


def test_a_crown_without_its_basket_asks_for_it_and_a_hearing_aid_for_its_class():
    for kwargs, key in (
        (dict(care="crown", price="500"), "crown_basket_needed"),
        (dict(care="crown", price="500", material="other", tooth="molar"), "crown_basket_needed"),
        (dict(care="hearing_aid", price="950"), "device_class_needed"),
        (dict(care="hearing_aid", price="950", device_class="1", age=15), "hearing_aid_under_20"),
    ):
        with pytest.raises(CalculatorInputError) as info:
            estimate(EstimateRequest(date=JAN_2026, **kwargs))
        assert info.value.key == key
        assert error_text(info.value, "en") and error_text(info.value, "fr")
    with pytest.raises(CalculatorInputError) as info:
        EstimateRequest(care="gp", price="30", basket="libre")
    assert info.value.key == "option_not_for_care"


def test_a_crown_above_its_cap_says_so_and_why_the_base_is_not_the_price():
    result = estimate(EstimateRequest(care="crown", price="350", material="metal", mutuelle=100, date=JAN_2026))
    keys = [a.key for a in result.assumptions]
    assert "price_above_cap" in keys and "prosthesis_base" in keys and "crown_basket_100_sante" in keys
    from bot.calculator import explain

    assert "Why the base is not the price" in explain(result, "en")
    assert "Pourquoi la base n'est pas le prix" in explain(result, "fr")
    assert "€290.00" in explain(result, "en")


def test_glasses_without_their_class_ask_for_it_and_their_options_are_checked():
    for kwargs, key in (
        (dict(care="glasses", price="300"), "glasses_class_needed"),
        (dict(care="glasses", price="300", device_class="1"), "option_unknown"),  # class I is a hearing aid's
        (dict(care="glasses", price="300", device_class="B", frame_price="400"), "frame_above_price"),
        (dict(care="glasses", price="300", device_class="B", frame_price="x"), "price_not_number"),
        (dict(care="crown", price="300", basket="libre", frame_price="100"), "option_not_for_care"),
        (dict(care="hearing_aid", price="950", device_class="A", age=70), "option_unknown"),
    ):
        with pytest.raises(CalculatorInputError) as info:
            estimate(EstimateRequest(date=JAN_2026, **kwargs))
        assert info.value.key == key, kwargs
        assert error_text(info.value, "en") and error_text(info.value, "fr")
    assert EstimateRequest(care="glasses", price="300", device_class="b").device_class == "B"


def test_glasses_say_why_the_base_is_not_the_price_their_caps_and_renewal():
    from bot.calculator import explain
    from bot.calculator.explain import format_money

    result = estimate(EstimateRequest(care="glasses", price="340", device_class="B", mutuelle=100, date=JAN_2026))
    keys = [a.key for a in result.assumptions]
    assert {"glasses_base", "glasses_lens_base_unknown", "glasses_renewal", "glasses_class_b"} <= set(keys)
    assert "glasses_mutuelle_forfait" in keys
    en, fr = explain(result, "en"), explain(result, "fr")
    assert "Why the base is not the price" in en and "Pourquoi la base n'est pas le prix" in fr
    for amount in ("420", "100", "800"):
        assert format_money(D(amount), "en") in en and format_money(D(amount), "fr") in fr
    assert "every 2 years" in en and "tous les 2 ans" in fr
    child = _keys(care="glasses", price="200", device_class="B", age=10)
    assert "glasses_renewal_child" in child and "glasses_renewal" not in child
    # class A: the frame's limit is named; above it, the estimate says so and the excess is left to the patient
    assert "glasses_frame_price_unknown" in _keys(care="glasses", price="100", device_class="A", mutuelle=100)
    above = estimate(
        EstimateRequest(care="glasses", price="150", device_class="A", frame_price="45", mutuelle=100, date=JAN_2026)
    )
    assert "glasses_frame_above_cap" in [a.key for a in above.assumptions]
    assert "€30.00" in explain(above, "en") and format_money(D(15), "fr") in explain(above, "fr")
    # class B frame above the contrat responsable's €100: said
    assert "glasses_frame_above_ceiling" in _keys(
        care="glasses", price="340", device_class="B", frame_price="150", mutuelle=100
    )


def test_transport_rate_is_55_from_1_august_2023_and_65_before():
    # UNCAM decision in the JO of 1 Aug 2023 (patient share 35% -> 45%). The transport rate can be looked up on its
    # own before the calculator's covers_from (a 2023 refund); a whole estimate still starts at covers_from.
    from bot.calculator import load_rules

    rules = load_rules()
    assert rules.version("rate.transport", dt.date(2023, 7, 31), before_cover=True).value == D(65)
    assert rules.version("rate.transport", dt.date(2023, 8, 1), before_cover=True).value == D(55)
    assert rules.version("rate.transport", dt.date(2024, 12, 22)).value == D(55)
    with pytest.raises(RuleDateError):
        rules.version("rate.transport", dt.date(2023, 7, 31))  # not without before_cover
    first = estimate(EstimateRequest(care="ambulance", price="100", date=dt.date(2024, 12, 22)))
    assert first.rate == D(55) and first.statutory_paid == D("51.00")


def test_urgent_transport_is_only_for_an_ambulance():
    with pytest.raises(CalculatorInputError) as info:
        EstimateRequest(care="gp", price="30", urgent=True)
    assert info.value.key == "urgent_not_ambulance"


def test_heavy_act_date_conflict_is_stated_only_between_the_two_dates():
    # 1 April (AFP) vs 22 April (quechoisir): 22 April is used and care in between says so.
    inside = _keys(care="hospital", price="5000", nights=2, heavy_act=True, date=dt.date(2026, 4, 1))
    before = _keys(care="hospital", price="5000", nights=2, heavy_act=True, date=dt.date(2026, 3, 31))
    after = _keys(care="hospital", price="5000", nights=2, heavy_act=True, date=dt.date(2026, 4, 22))
    assert "heavy_act_date_conflict" in inside
    assert "heavy_act_date_conflict" not in before
    assert "heavy_act_date_conflict" not in after
    # The €32 version itself is flagged wherever it is used.
    assert "flagged_rule" in after


def test_flagged_rules_are_visible_in_the_assumptions():
    result = estimate(EstimateRequest(care="specialist", price="60", sector="2", date=JAN_2026))
    flagged = [a.params for a in result.assumptions if a.key == "flagged_rule"]
    expected = {"rule": "tariff.specialist_non_optam", "note": "specialist_non_optam_conflict", "confidence": "L"}
    assert expected in flagged


def test_sector_3_pf_larger_than_the_payment_is_carried_over():
    result = estimate(EstimateRequest(care="gp", price="60", sector="3", date=JAN_2026))
    assert result.deductions[0].amount == D("0.43")
    carried = [a for a in result.assumptions if a.key == "deduction_carried_over"]
    assert carried and carried[0].params["amount"] == D("1.57")


def test_care_after_the_rules_version_says_later_changes_are_not_included():
    assert "rules_after_version" in _keys(care="gp", price="30", date=dt.date(2026, 6, 1))
    assert "rules_after_version" not in _keys(care="gp", price="30", date=dt.date(2026, 3, 1))


def test_dates_before_the_rules_are_refused():
    with pytest.raises(CalculatorInputError) as info:
        estimate(EstimateRequest(care="gp", price="30", date=dt.date(2024, 12, 21)))
    assert info.value.key == "date_before_rules"
    assert "22 December 2024" in error_text(info.value, "en")
    assert "22 décembre 2024" in error_text(info.value, "fr")


def test_hors_parcours_majoration_and_da_are_left_to_the_patient():
    result = estimate(
        EstimateRequest(care="specialist", price="37", medecin_traitant=False, mutuelle=300, date=JAN_2026)
    )
    assert result.majoration == D("10.60")
    assert result.not_coverable_fees == D("10.50")
    # Even a generous mutuelle leaves PF + majoration + DA.
    assert result.out_of_pocket == D("2.00") + D("10.60") + D("10.50")


def test_explanation_walks_from_the_base_to_what_you_pay_in_order():
    from bot.calculator import explain

    result = estimate(EstimateRequest(care="specialist", price="31.50", mutuelle=100, date=JAN_2026))
    for lang, fragments in {
        "en": ["€31.50", "70% × €31.50 = €22.05", "−€2.00", "pays €20.05", "pays €9.45", "You pay: €2.00"],
        "fr": ["31,50 €", "70 % × 31,50 € = 22,05 €", "−2,00 €", "verse 20,05 €", "verse 9,45 €", "charge : 2,00 €"],
    }.items():
        text = explain(result, lang)
        positions = [text.index(fragment) for fragment in fragments]
        assert positions == sorted(positions), lang


def test_long_stay_explanation_shows_both_rates():
    from bot.calculator import explain

    result = estimate(EstimateRequest(care="hospital", price="41000", nights=40, date=JAN_2026))
    assert result.full_rate_amount == D("11000.00")
    assert "80% × €30,000.00 (the first 30 days) + 100% × €11,000.00 (from the 31st day) = €35,000.00" in explain(
        result, "en"
    )
