# SPDX-License-Identifier: MIT
"""host and doctor on this host, which has no HCS: structured ok=false answers."""
import hvsup


def test_host_without_hcs_is_structured(lib):
    with hvsup.Context() as ctx:
        response = ctx.supervise({"command": "host"})
    assert response["ok"] is False
    assert response["error"] == "windows-hyperv supervisor is only supported on windows"
    assert response["host"]["frameworkAvailable"] is False
    assert response["host"]["virtualizationSupported"] is False
    assert response["kernel"]["backend"] == "windows-hyperv"


def test_doctor_json_reports_each_check(lib, tmp_path):
    kernel = tmp_path / "Image"
    kernel.write_bytes(b"kernel")
    with hvsup.Context() as ctx:
        report = ctx.doctor(kernel_path=kernel, guest_init_path=tmp_path / "missing-init")
    assert report.ok is False
    assert report.report["ok"] is False  # the C `ok` out-parameter agrees with the document
    checks = {c["name"]: c for c in report.report["checks"]}
    assert checks["hcs"]["ok"] is False and checks["hcs"]["required"] is True
    assert checks["kernel"]["ok"] is True
    assert report.report["kernel"]["status"] == "present"
    assert report.report["kernel"]["path"] == str(kernel)
    assert checks["guest init"]["ok"] is False
    assert str(tmp_path / "missing-init") in checks["guest init"]["detail"]
    assert report.report["host"]["guestInitPath"] == str(tmp_path / "missing-init")


def test_doctor_text_format(lib, tmp_path):
    with hvsup.Context() as ctx:
        report = ctx.doctor(kernel_path=tmp_path / "none", format="text")
    assert report.ok is False
    assert report.report is None
    assert report.text.startswith("Backend:    windows-hyperv\nStatus:     not ready\n")
    assert f"Kernel:     unavailable ({tmp_path / 'none'})" in report.text
