"""Question banks in and out: QTI 3.0 packages, Moodle XML and GIFT."""

from .bank import BankChoice, BankError, BankItem
from .gift import export_gift, import_gift
from .moodle import export_moodle, import_moodle
from .qti import export_qti, import_qti

FORMATS = {
    # name: (label, reader, writer, file extension, content type)
    "qti": ("QTI 3.0 package (.zip)", import_qti, None, "zip", "application/zip"),
    "moodle": ("Moodle XML (.xml)", import_moodle, export_moodle, "xml", "application/xml"),
    "gift": ("GIFT (.txt)", import_gift, export_gift, "txt", "text/plain; charset=utf-8"),
}

__all__ = [
    "FORMATS",
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
