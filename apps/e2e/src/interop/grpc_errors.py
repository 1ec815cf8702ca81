"""Calls gim with Python's grpcio and reports how each failed call looks to a client that is not grpc-js.

Reads JSON from stdin: {"calls": [{"name", "target": "host:port", "method": "/pkg.Service/Method",
"request": "<hex of the serialized request>", "metadata": [[key, value], ...]}]}. Writes JSON to stdout: one
result per call with the status code's name and number, the details, the gim-code and gim-retry-after-seconds
trailers, and the google.rpc.Status decoded from grpc-status-details-bin (ErrorInfo and RetryInfo unpacked).
No generated stubs: requests are raw bytes and google.rpc's messages are described here, by their official
field numbers, on top of the well-known types python3-protobuf ships.
"""

import json
import sys

try:
    import grpc
    from google.protobuf import any_pb2, descriptor_pb2, descriptor_pool, duration_pb2, message_factory
except ImportError as missing:
    sys.exit(
        f"python3-grpcio and python3-protobuf are required ({missing}); "
        "install them with: apt-get install python3-grpcio python3-protobuf"
    )

F = descriptor_pb2.FieldDescriptorProto


def _field(name, number, kind, label=F.LABEL_OPTIONAL, type_name=None):
    field = F(name=name, number=number, type=kind, label=label)
    if type_name:
        field.type_name = type_name
    return field


def _google_rpc_classes():
    """Status, ErrorInfo and RetryInfo message classes, from descriptors built here."""
    pool = descriptor_pool.DescriptorPool()
    for known in (any_pb2, duration_pb2):
        proto = descriptor_pb2.FileDescriptorProto()
        known.DESCRIPTOR.CopyToProto(proto)
        pool.Add(proto)

    status = descriptor_pb2.FileDescriptorProto(
        name="gim_interop/google/rpc/status.proto",
        package="google.rpc",
        syntax="proto3",
        dependency=["google/protobuf/any.proto"],
    )
    status.message_type.add(
        name="Status",
        field=[
            _field("code", 1, F.TYPE_INT32),
            _field("message", 2, F.TYPE_STRING),
            _field("details", 3, F.TYPE_MESSAGE, F.LABEL_REPEATED, ".google.protobuf.Any"),
        ],
    )
    pool.Add(status)

    details = descriptor_pb2.FileDescriptorProto(
        name="gim_interop/google/rpc/error_details.proto",
        package="google.rpc",
        syntax="proto3",
        dependency=["google/protobuf/duration.proto"],
    )
    error_info = details.message_type.add(
        name="ErrorInfo",
        field=[
            _field("reason", 1, F.TYPE_STRING),
            _field("domain", 2, F.TYPE_STRING),
            _field(
                "metadata", 3, F.TYPE_MESSAGE, F.LABEL_REPEATED, ".google.rpc.ErrorInfo.MetadataEntry"
            ),
        ],
    )
    entry = error_info.nested_type.add(
        name="MetadataEntry",
        field=[_field("key", 1, F.TYPE_STRING), _field("value", 2, F.TYPE_STRING)],
    )
    entry.options.map_entry = True
    details.message_type.add(
        name="RetryInfo",
        field=[_field("retry_delay", 1, F.TYPE_MESSAGE, type_name=".google.protobuf.Duration")],
    )
    pool.Add(details)

    def message_class(name):
        descriptor = pool.FindMessageTypeByName(name)
        if hasattr(message_factory, "GetMessageClass"):
            return message_factory.GetMessageClass(descriptor)
        return message_factory.MessageFactory(pool).GetPrototype(descriptor)

    return (
        message_class("google.rpc.Status"),
        message_class("google.rpc.ErrorInfo"),
        message_class("google.rpc.RetryInfo"),
    )


Status, ErrorInfo, RetryInfo = _google_rpc_classes()


def _decode_status(raw):
    status = Status.FromString(raw)
    decoded = {"code": status.code, "message": status.message, "details": []}
    for detail in status.details:
        unpacked = {"type_url": detail.type_url}
        if detail.type_url == "type.googleapis.com/google.rpc.ErrorInfo":
            info = ErrorInfo.FromString(detail.value)
            unpacked["error_info"] = {
                "reason": info.reason,
                "domain": info.domain,
                "metadata": dict(info.metadata),
            }
        elif detail.type_url == "type.googleapis.com/google.rpc.RetryInfo":
            retry = RetryInfo.FromString(detail.value)
            unpacked["retry_info"] = {"retry_delay_seconds": retry.retry_delay.seconds}
        decoded["details"].append(unpacked)
    return decoded


def _call(spec):
    with grpc.insecure_channel(spec["target"]) as channel:
        method = channel.unary_unary(spec["method"], request_serializer=None, response_deserializer=None)
        try:
            method(bytes.fromhex(spec["request"]), metadata=[tuple(pair) for pair in spec["metadata"]], timeout=10)
        except grpc.RpcError as error:
            trailers = {}
            for key, value in error.trailing_metadata() or ():
                trailers[key] = value
            raw_details = trailers.get("grpc-status-details-bin")
            code = error.code()
            return {
                "name": spec["name"],
                "ok": False,
                "code": code.name,
                "code_number": code.value[0],
                "details": error.details(),
                "gim_code": trailers.get("gim-code"),
                "gim_retry_after_seconds": trailers.get("gim-retry-after-seconds"),
                "status_details": _decode_status(raw_details) if raw_details is not None else None,
            }
    return {"name": spec["name"], "ok": True}


def main():
    calls = json.load(sys.stdin)["calls"]
    json.dump([_call(spec) for spec in calls], sys.stdout)


if __name__ == "__main__":
    main()
