#!/usr/bin/env bash
# System packages the platform needs beyond Python, from Debian's archive:
#   chromium       — browser tests (Playwright drives /usr/bin/chromium; no browser download)
#   fonts-noto-cjk — Chinese glyphs in PDF documents and screenshots
#   Java 17        — Spark (pyspark, local mode)
#   poppler-utils  — tests only: pdftotext / pdftoppm check the PDF documents
#   libpango-1.0-0, libpangoft2-1.0-0 — WeasyPrint's text layout (PDF documents)
#   gettext        — makemessages / compilemessages (xgettext, msgmerge, msgfmt) for the English catalog
#   libreoffice-calc-nogui — tests only: the Excel files must open in ordinary office software, and a
#                    workbook saved there must import (headless LibreOffice Calc, without recommends)
# Installs what is missing when run as root with apt-get; otherwise says what to install.
set -u
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing+=(fonts-noto-cjk)
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v xgettext >/dev/null 2>&1 || missing+=(gettext)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
lean=()  # installed without their recommended packages (LibreOffice's would add a desktop)
command -v soffice >/dev/null 2>&1 || lean+=(libreoffice-calc-nogui)
[ ${#missing[@]} -eq 0 ] && [ ${#lean[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "安装系统依赖：${missing[*]} ${lean[*]}"
  apt-get update -qq
  [ ${#missing[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  [ ${#lean[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${lean[@]}" >/dev/null
else
  echo "缺少系统依赖：${missing[*]} ${lean[*]}（请以 root 运行 apt-get install ${missing[*]} ${lean[*]}；相关测试将被跳过）" >&2
fi
exit 0
