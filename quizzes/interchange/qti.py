"""QTI 3.0 content packages of choice items (1EdTech QTI 3.0 ASI and its
content packaging profile).

Export: a zip with ``imsmanifest.xml`` and one ``qti-assessment-item`` per
item: a ``qti-choice-interaction`` whose ``qti-prompt`` is the stem, the key
as ``qti-correct-response`` (cardinality single or multiple), scoring by the
match_correct rule written out, and the explanation as a
``qti-modal-feedback`` shown after any response. The objective and source
travel in the manifest's LOM metadata of each item's resource.

Import: a package (zip with a manifest) or a single item file. Items with
anything a BankItem cannot hold are refused, naming the item and field.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from xml.etree.ElementTree import Element, SubElement, tostring

from .bank import (
    MAX_CHOICES,
    MAX_ITEMS,
    BankChoice,
    BankError,
    BankItem,
    item_type_for,
    parse_xml,
    read_zip,
    refuse,
)

QTI_NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
CP_NS = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
LOM_NS = "http://ltsc.ieee.org/xsd/LOM"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ITEM_XSD = "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0p1_v1p0.xsd"
CP_XSD = "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqtiv3p0_imscpv1p2_v1p0.xsd"
ITEM_TYPE = "imsqti_item_xmlv3p0"
CATALOG_OBJECTIVE = "trdcert-objective"
CATALOG_SOURCE = "trdcert-source"

# Elements whose text we keep as plain text inside a stem, choice or feedback.
TEXT_ELEMENTS = {"p", "span", "em", "strong", "b", "i", "u", "sub", "sup", "br", "div", "qti-content-body"}


def _q(tag):
    return f"{{{QTI_NS}}}{tag}"


def _choice_id(index):
    return f"choice-{index + 1}"


def export_item_xml(item: BankItem) -> bytes:
    root = Element(
        "qti-assessment-item",
        {
            "xmlns": QTI_NS,
            "xmlns:xsi": XSI_NS,
            "xsi:schemaLocation": f"{QTI_NS} {ITEM_XSD}",
            "identifier": item.key,
            "title": item.key,
            "adaptive": "false",
            "time-dependent": "false",
            "xml:lang": "en",
        },
    )
    multiple = item.type == "multiple"
    response = SubElement(
        root,
        "qti-response-declaration",
        identifier="RESPONSE",
        cardinality="multiple" if multiple else "single",
        **{"base-type": "identifier"},
    )
    correct = SubElement(response, "qti-correct-response")
    for i, choice in enumerate(item.choices):
        if choice.correct:
            SubElement(correct, "qti-value").text = _choice_id(i)
    SubElement(root, "qti-outcome-declaration", identifier="SCORE", cardinality="single", **{"base-type": "float"})
    SubElement(
        root, "qti-outcome-declaration", identifier="FEEDBACK", cardinality="single", **{"base-type": "identifier"}
    )
    body = SubElement(root, "qti-item-body")
    interaction = SubElement(
        body,
        "qti-choice-interaction",
        {
            "response-identifier": "RESPONSE",
            "shuffle": "false" if item.type == "true_false" else "true",
            "max-choices": str(len(item.choices)) if multiple else "1",
            "min-choices": "1",
        },
    )
    SubElement(interaction, "qti-prompt").text = item.stem
    for i, choice in enumerate(item.choices):
        SubElement(interaction, "qti-simple-choice", identifier=_choice_id(i)).text = choice.text
    # match_correct, written out so that FEEDBACK is set too (the template would not).
    processing = SubElement(root, "qti-response-processing")
    condition = SubElement(processing, "qti-response-condition")
    when = SubElement(condition, "qti-response-if")
    match = SubElement(when, "qti-match")
    SubElement(match, "qti-variable", identifier="RESPONSE")
    SubElement(match, "qti-correct", identifier="RESPONSE")
    SubElement(
        SubElement(when, "qti-set-outcome-value", identifier="SCORE"), "qti-base-value", **{"base-type": "float"}
    ).text = "1"
    otherwise = SubElement(condition, "qti-response-else")
    SubElement(
        SubElement(otherwise, "qti-set-outcome-value", identifier="SCORE"), "qti-base-value", **{"base-type": "float"}
    ).text = "0"
    if item.explanation:
        SubElement(
            SubElement(processing, "qti-set-outcome-value", identifier="FEEDBACK"),
            "qti-base-value",
            **{"base-type": "identifier"},
        ).text = "EXPLANATION"
        feedback = SubElement(
            root,
            "qti-modal-feedback",
            {"outcome-identifier": "FEEDBACK", "identifier": "EXPLANATION", "show-hide": "show", "title": "Why"},
        )
        SubElement(SubElement(feedback, "qti-content-body"), "p").text = item.explanation
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode").encode("utf-8")


def _item_path(item):
    return f"items/{item.key}.xml"


def export_manifest(items, identifier) -> bytes:
    root = Element(
        "manifest",
        {"xmlns": CP_NS, "xmlns:xsi": XSI_NS, "xsi:schemaLocation": f"{CP_NS} {CP_XSD}", "identifier": identifier},
    )
    meta = SubElement(root, "metadata")
    SubElement(meta, "schema").text = "QTI Package"
    SubElement(meta, "schemaversion").text = "3.0.0"
    SubElement(root, "organizations")
    resources = SubElement(root, "resources")
    for item in items:
        resource = SubElement(
            resources, "resource", identifier=f"res-{item.key}", type=ITEM_TYPE, href=_item_path(item)
        )
        if item.objective or item.source:
            lom = SubElement(SubElement(resource, "metadata"), "lom", xmlns=LOM_NS)
            general = SubElement(lom, "general")
            for catalog, value in ((CATALOG_OBJECTIVE, item.objective), (CATALOG_SOURCE, item.source)):
                if value:
                    ident = SubElement(general, "identifier")
                    SubElement(ident, "catalog").text = catalog
                    SubElement(ident, "entry").text = value
        SubElement(resource, "file", href=_item_path(item))
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode").encode("utf-8")


def export_qti(items: list[BankItem], *, identifier: str) -> bytes:
    """A QTI 3.0 content package (zip bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", export_manifest(items, identifier))
        for item in items:
            archive.writestr(_item_path(item), export_item_xml(item))
    return buffer.getvalue()


# --- import ----------------------------------------------------------------------------


def _local(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element, where):
    """Plain text of an element whose content is text and simple inline markup."""
    for node in element.iter():
        name = _local(node.tag)
        if node is not element and name not in TEXT_ELEMENTS:
            refuse(f"{where}: contains <{name}>, which cannot be represented (text only)")
    pieces = []

    def walk(node):
        if _local(node.tag) == "br":
            pieces.append("\n")
        pieces.append(node.text or "")
        for child in node:
            walk(child)
            pieces.append(child.tail or "")

    walk(element)
    return re.sub(r"[ \t\r\f\v]+", " ", "".join(pieces)).strip()


def _stem(body, interaction, where):
    prompt = interaction.find(_q("qti-prompt"))
    parts = []
    for child in body:
        if child is interaction:
            break
        if _local(child.tag) not in TEXT_ELEMENTS:
            refuse(f"{where}: stem: contains <{_local(child.tag)}>, which cannot be represented (text only)")
        parts.append(_text(child, f"{where}: stem"))
    if prompt is not None:
        parts.append(_text(prompt, f"{where}: stem"))
    after = list(body)[list(body).index(interaction) + 1 :]
    if any(_local(c.tag) != "qti-prompt" for c in after):
        refuse(f"{where}: item body: content after the choices cannot be represented")
    stem = "\n\n".join(p for p in parts if p)
    if not stem:
        refuse(f"{where}: stem: the item has no prompt or text before its choices")
    return stem


def import_item(root, *, metadata=None, where="item") -> BankItem:
    metadata = metadata or {}
    if _local(root.tag) != "qti-assessment-item" or not root.tag.startswith(f"{{{QTI_NS}}}"):
        refuse(f"{where}: not a QTI 3.0 assessment item (root <{_local(root.tag)}> in another namespace)")
    key = root.get("identifier", "")
    where = f"{where} {key!r}" if key else where
    if not re.match(r"^[-a-zA-Z0-9_]{1,40}$", key):
        refuse(f"{where}: identifier: must be 1-40 letters, digits, hyphens or underscores")
    body = root.find(_q("qti-item-body"))
    if body is None:
        refuse(f"{where}: item body: missing")
    interactions = [e for e in body.iter() if _local(e.tag).endswith("-interaction")]
    kinds = {_local(e.tag) for e in interactions}
    if kinds - {"qti-choice-interaction"}:
        refuse(f"{where}: interaction: {', '.join(sorted(kinds))} cannot be represented; only choice items")
    if len(interactions) != 1:
        refuse(f"{where}: interaction: exactly one choice interaction is needed, found {len(interactions)}")
    (interaction,) = interactions
    if interaction not in list(body):
        refuse(f"{where}: item body: the choice interaction is nested in other content, which cannot be represented")
    response_id = interaction.get("response-identifier")
    declarations = {d.get("identifier"): d for d in root.findall(_q("qti-response-declaration"))}
    declaration = declarations.get(response_id)
    if declaration is None:
        refuse(f"{where}: response declaration: none for {response_id!r}")
    if declaration.find(_q("qti-mapping")) is not None:
        refuse(f"{where}: scoring: partial credit (qti-mapping) cannot be represented; items score all or nothing")
    cardinality = declaration.get("cardinality")
    if cardinality not in ("single", "multiple"):
        refuse(f"{where}: cardinality: {cardinality!r} cannot be represented")
    correct_ids = [v.text.strip() for v in declaration.findall(f"{_q('qti-correct-response')}/{_q('qti-value')}")]
    if not correct_ids:
        refuse(f"{where}: correct response: missing")
    choices_xml = interaction.findall(_q("qti-simple-choice"))
    if len(choices_xml) > MAX_CHOICES:
        refuse(f"{where}: choices: {len(choices_xml)} is more than the {MAX_CHOICES} allowed")
    ids = [c.get("identifier") for c in choices_xml]
    unknown = set(correct_ids) - set(ids)
    if unknown:
        refuse(f"{where}: correct response: {', '.join(sorted(unknown))} is not a choice")
    choices = tuple(
        BankChoice(_text(c, f"{where}: choice {c.get('identifier')}"), c.get("identifier") in correct_ids)
        for c in choices_xml
    )
    explanations = []
    for feedback in root.findall(_q("qti-modal-feedback")):
        explanations.append(_text(feedback, f"{where}: feedback"))
    if len(explanations) > 1:
        refuse(f"{where}: feedback: {len(explanations)} feedback texts; one explanation per item can be represented")
    return BankItem(
        key=key,
        type=item_type_for(multiple=cardinality == "multiple", texts=[c.text for c in choices]),
        stem=_stem(body, interaction, where),
        explanation=explanations[0] if explanations else "",
        choices=choices,
        objective=metadata.get(CATALOG_OBJECTIVE, ""),
        source=metadata.get(CATALOG_SOURCE, ""),
    )


def _resource_metadata(resource):
    found = {}
    for ident in resource.iter(f"{{{LOM_NS}}}identifier"):
        catalog = ident.find(f"{{{LOM_NS}}}catalog")
        entry = ident.find(f"{{{LOM_NS}}}entry")
        if catalog is not None and entry is not None and catalog.text:
            found[catalog.text.strip()] = (entry.text or "").strip()
    return found


def import_qti(data: bytes, *, filename: str = "") -> list[BankItem]:
    """Items from a QTI 3.0 package (zip) or a single item (XML)."""
    if data[:4] != b"PK\x03\x04":
        return [import_item(parse_xml(data, filename or "item"), where=filename or "item")]
    files = read_zip(data)
    if "imsmanifest.xml" not in files:
        refuse("package: imsmanifest.xml is missing")
    manifest = parse_xml(files["imsmanifest.xml"], "imsmanifest.xml")
    resources = [r for r in manifest.iter(f"{{{CP_NS}}}resource") if r.get("type") == ITEM_TYPE]
    tests = [r for r in manifest.iter(f"{{{CP_NS}}}resource") if "test" in (r.get("type") or "")]
    if not resources:
        refuse(f"imsmanifest.xml: no {ITEM_TYPE} resources" + (" (tests alone cannot be imported)" if tests else ""))
    if len(resources) > MAX_ITEMS:
        refuse(f"imsmanifest.xml: {len(resources)} items is more than the {MAX_ITEMS} allowed")
    items, problems = [], []
    for resource in resources:
        href = posixpath.normpath(resource.get("href") or "")
        if href.startswith(("/", "..")) or href not in files:
            problems.append(
                f"imsmanifest.xml: resource {resource.get('identifier')!r}: file {href!r} is not in the package"
            )
            continue
        try:
            items.append(import_item(parse_xml(files[href], href), metadata=_resource_metadata(resource), where=href))
        except BankError as exc:  # collect every item's problems, then refuse them all
            problems.extend(exc.problems)
    if problems:
        refuse(*problems)
    return items
