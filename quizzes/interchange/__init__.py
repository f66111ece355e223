"""Question banks in and out: QTI 3.0 packages, Moodle XML and GIFT."""

from .bank import BankChoice, BankError, BankItem
from .gift import export_gift, import_gift
from .moodle import export_moodle, import_moodle
from .qti import export_qti, import_qti

__all__ = [
    "BankChoice",
    "BankError",
    "BankItem",
    "export_gift",
    "export_moodle",
    "export_qti",
    "import_gift",
    "import_moodle",
    "import_qti",
]
