import requests


def fetch_invoice(invoice_id):
    url = f"https://billing.internal/invoices/{invoice_id}"
    return requests.get(url).json()
