"""Writes errors.json: every error the SNS service model declares (botocore `sns/2010-03-31`), with
its wire code and HTTP status, and the operations that declare it. Run from this folder:
python3 generate.py (needs botocore)."""
import json

import botocore
from botocore.loaders import Loader

model = Loader().load_service_model("sns", "service-2", "2010-03-31")
shapes = model["shapes"]
errors = {}
for name, shape in sorted(shapes.items()):
    if not shape.get("exception"):
        continue
    error = shape.get("error", {})
    # A shape without an `error` trait is named by its shape name, status 400 (Smithy, "AWS query
    # protocol", error serialization).
    errors[name] = {
        "code": error.get("code", name),
        "status": error.get("httpStatusCode", 400),
        "fault": "Sender" if error.get("senderFault", False) or error.get("httpStatusCode", 400) < 500 else "Receiver",
        "operations": sorted(op for op, o in model["operations"].items() if any(e["shape"] == name for e in o.get("errors", []))),
    }

with open("errors.json", "w") as out:
    json.dump({"generator": f"botocore {botocore.__version__}", "errors": errors}, out, indent=2)
    out.write("\n")
