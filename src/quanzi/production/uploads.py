"""Reading a shipment upload: a CSV file sent as the request body or as a multipart form
file. Pure functions; problems with the file as a whole are ``invalid_csv`` (422), problems
with single rows are returned as error rows."""

from __future__ import annotations

import csv
import io
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP

from quanzi.core.errors import PayloadTooLarge, Unprocessable, UnsupportedMediaType
from quanzi.production.rules import MAX_SHIPMENT_ROWS, RowError, ShipmentRow, check_rows

CSV_COLUMNS = ("order_id", "carrier", "tracking_no")
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
CSV_TYPES = ("text/csv", "application/csv", "text/plain")


def upload_bytes(content_type: str, body: bytes) -> bytes:
    """The CSV bytes of a request: the body itself (``text/csv``), or the file part of a
    ``multipart/form-data`` form (the part named ``file``, else the first with a file
    name)."""
    if len(body) > MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(f"Upload at most {MAX_UPLOAD_BYTES // 1024} KiB per request.")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type in CSV_TYPES:
        return body
    if media_type == "multipart/form-data":
        return _form_file(content_type, body)
    raise UnsupportedMediaType(
        "Send the CSV as text/csv or as a multipart/form-data file.",
    )


def _form_file(content_type: str, body: bytes) -> bytes:
    # The standard library's MIME parser reads a form once given its content type.
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        raise Unprocessable("The form could not be read.", code="invalid_upload")
    files = [
        part
        for part in message.iter_parts()
        if isinstance(part, EmailMessage)
        and part.get_content_disposition() == "form-data"
        and part.get_filename() is not None
    ]
    named = [
        part for part in files if part.get_param("name", header="content-disposition") == "file"
    ]
    chosen = (named or files)[:1]
    if not chosen:
        raise Unprocessable("The form holds no file.", code="invalid_upload")
    payload = chosen[0].get_payload(decode=True)
    if not isinstance(payload, bytes):
        raise Unprocessable("The form file could not be read.", code="invalid_upload")
    return payload


def read_csv(data: bytes) -> tuple[list[ShipmentRow], list[RowError]]:
    """Read a shipment CSV: UTF-8 (a BOM is allowed), a header naming at least
    ``order_id,carrier,tracking_no`` (other columns are ignored, so a downloaded shipping
    list can be filled in and sent back), one order per line, blank lines skipped.
    Problems with the file as a whole raise ``invalid_csv`` (422)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unprocessable("The file is not UTF-8 text.", code="invalid_csv") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next((record for record in reader if any(f.strip() for f in record)), None)
        if header is None:
            raise Unprocessable("The file is empty.", code="invalid_csv")
        names = [name.strip().lower() for name in header]
        missing = [column for column in CSV_COLUMNS if column not in names]
        if missing:
            raise Unprocessable(
                f"The header must name {','.join(CSV_COLUMNS)}; missing: {', '.join(missing)}.",
                code="invalid_csv",
            )
        duplicated = sorted({name for name in names if name and names.count(name) > 1})
        if duplicated:
            raise Unprocessable(
                f"Columns named twice: {', '.join(duplicated)}.", code="invalid_csv"
            )
        index = [names.index(column) for column in CSV_COLUMNS]
        fields: list[tuple[int, str, str, str]] = []
        errors: list[RowError] = []
        for record in reader:
            if not any(field.strip() for field in record):
                continue
            if len(fields) + len(errors) >= MAX_SHIPMENT_ROWS:
                raise Unprocessable(
                    f"At most {MAX_SHIPMENT_ROWS} rows per file.", code="too_many_rows"
                )
            if len(record) <= max(index):
                errors.append(
                    RowError(
                        reader.line_num,
                        "missing_fields",
                        f"Expected {len(names)} fields, found {len(record)}.",
                    )
                )
                continue
            order_id, carrier, tracking_no = (record[i] for i in index)
            fields.append((reader.line_num, order_id, carrier, tracking_no))
    except csv.Error as exc:
        raise Unprocessable(
            f"The file is not valid CSV (line {reader.line_num}): {exc}.", code="invalid_csv"
        ) from None
    if not fields and not errors:
        raise Unprocessable("The file lists no shipments.", code="invalid_csv")
    good, bad = check_rows(fields)
    return good, errors + bad
