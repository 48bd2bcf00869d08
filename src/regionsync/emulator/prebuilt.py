"""The prebuilt models each Document Intelligence API version lists alongside custom models.

The service lists them first in `GET documentModels`; their ids start with `prebuilt-`; they cannot
be deleted or copied and do not count against the custom model limit.
"""

from __future__ import annotations

from typing import Any

_DESCRIPTIONS: dict[str, str] = {
    "prebuilt-bankStatement.us": "Extract key information from US bank statements.",
    "prebuilt-businessCard": "Extract key information from business cards.",
    "prebuilt-check.us": "Extract key information from US bank checks.",
    "prebuilt-contract": "Extract key information from contracts.",
    "prebuilt-creditCard": "Extract key information from credit and debit cards.",
    "prebuilt-document": "Extract text, layout, entities, and general key-value pairs from documents.",
    "prebuilt-healthInsuranceCard.us": "Extract key information from US health insurance cards.",
    "prebuilt-idDocument": "Extract key information from passports and ID cards.",
    "prebuilt-invoice": (
        "Prebuilt model to extract key information from English invoices, including customer, vendor, "
        "invoice ID, due date, total, and more."
    ),
    "prebuilt-layout": (
        "Prebuilt model to extract text, selection marks, tables, and other layout information."
    ),
    "prebuilt-marriageCertificate.us": "Extract key information from US marriage certificates.",
    "prebuilt-mortgage.us.1003": "Extract key information from Uniform Residential Loan Applications (1003).",
    "prebuilt-payStub.us": "Extract key information from US pay stubs.",
    "prebuilt-read": "Extract text from documents.",
    "prebuilt-receipt": "Extract key information from receipts.",
    "prebuilt-tax.us": "Extract key information from US tax forms.",
    "prebuilt-tax.us.1098": "Extract key information from US 1098 mortgage interest statements.",
    "prebuilt-tax.us.w2": "Extract key information from US W-2 tax forms.",
    "prebuilt-vaccinationCard": "Extract key information from COVID-19 vaccination cards.",
}

_FIELDS: dict[str, dict[str, str]] = {
    "prebuilt-invoice": {
        "CustomerName": "string",
        "InvoiceId": "string",
        "InvoiceDate": "date",
        "DueDate": "date",
        "VendorName": "string",
        "InvoiceTotal": "number",
    },
    "prebuilt-receipt": {"MerchantName": "string", "TransactionDate": "date", "Total": "number"},
    "prebuilt-idDocument": {"FirstName": "string", "LastName": "string", "DocumentNumber": "string"},
    "prebuilt-tax.us.w2": {
        "Employee": "object",
        "Employer": "object",
        "WagesTipsAndOtherCompensation": "number",
    },
}

PREBUILT_BY_VERSION: dict[str, tuple[str, ...]] = {
    "2022-08-31": (
        "prebuilt-businessCard",
        "prebuilt-document",
        "prebuilt-healthInsuranceCard.us",
        "prebuilt-idDocument",
        "prebuilt-invoice",
        "prebuilt-layout",
        "prebuilt-read",
        "prebuilt-receipt",
        "prebuilt-tax.us.w2",
        "prebuilt-vaccinationCard",
    ),
    "2023-07-31": (
        "prebuilt-businessCard",
        "prebuilt-contract",
        "prebuilt-document",
        "prebuilt-healthInsuranceCard.us",
        "prebuilt-idDocument",
        "prebuilt-invoice",
        "prebuilt-layout",
        "prebuilt-read",
        "prebuilt-receipt",
        "prebuilt-tax.us.1098",
        "prebuilt-tax.us.w2",
    ),
    "2024-11-30": (
        "prebuilt-bankStatement.us",
        "prebuilt-check.us",
        "prebuilt-contract",
        "prebuilt-creditCard",
        "prebuilt-healthInsuranceCard.us",
        "prebuilt-idDocument",
        "prebuilt-invoice",
        "prebuilt-layout",
        "prebuilt-marriageCertificate.us",
        "prebuilt-mortgage.us.1003",
        "prebuilt-payStub.us",
        "prebuilt-read",
        "prebuilt-receipt",
        "prebuilt-tax.us",
        "prebuilt-tax.us.1098",
        "prebuilt-tax.us.w2",
    ),
}

PREBUILT_CREATED: dict[str, str] = {
    "2022-08-31": "2022-08-31T00:00:00Z",
    "2023-07-31": "2023-07-31T00:00:00Z",
    "2024-11-30": "2024-11-30T00:00:00Z",
}


def is_prebuilt(model_id: str) -> bool:
    return model_id.startswith("prebuilt-")


def prebuilt_summary(model_id: str, api_version: str) -> dict[str, Any]:
    """The list entry of a prebuilt model, as `api_version` writes it."""
    return {
        "modelId": model_id,
        "description": _DESCRIPTIONS.get(model_id, "Prebuilt model."),
        "createdDateTime": PREBUILT_CREATED[api_version],
        "apiVersion": api_version,
    }


def prebuilt_details(model_id: str, api_version: str) -> dict[str, Any]:
    """GET of a prebuilt model: its summary plus its one document type."""
    doc_type = "prebuilt:" + model_id.removeprefix("prebuilt-")
    fields = _FIELDS.get(model_id, {})
    details = prebuilt_summary(model_id, api_version)
    details["docTypes"] = {doc_type: {"fieldSchema": {name: {"type": kind} for name, kind in fields.items()}}}
    details["tags"] = {}
    return details
