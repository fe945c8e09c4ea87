"""Infusion Vitals: record and watch vital signs during ketamine infusion sessions."""

DISCLAIMER = (
    "Infusion Vitals supports clinical staff. It does not replace the bedside monitor's own alarms "
    "or clinical judgement."
)
