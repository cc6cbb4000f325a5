"""The child process that turns a PDF into page images: run only by people.pdf_render.

    python -I -m corridor.people.pdf_pages --scale 2.0 --pages 100 --format jpeg < in.pdf > frames

It limits itself first (CPU seconds, address space, no file may be written, few open
files), then reads the PDF from stdin, renders each page with PDFium (pypdfium2) and
writes the images to stdout as frames: 8 bytes of big-endian length, then the image.
Nothing touches the disk. The exit status says why it refused:

    0 done   2 damaged   3 password   4 too many pages   5 too many pixels

This module imports nothing of Corridor's and no Django: a crafted PDF that takes over
PDFium finds a process with no keys, no database connection and no settings.
"""

from __future__ import annotations

import argparse
import io
import resource
import sys

DAMAGED, PASSWORD, TOO_MANY_PAGES, TOO_MANY_PIXELS = 2, 3, 4, 5


def limit_self(*, cpu_seconds: int, memory_bytes: int) -> None:
    """Hard limits on this process: the kernel ends it past them."""
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    # No file of any size may be written (stdout is a pipe, not a file).
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=2.0)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--first", type=int, default=0, help="render only the first N pages")
    parser.add_argument("--pixels", type=int, default=50_000_000)
    parser.add_argument("--format", choices=("jpeg", "png"), default="jpeg")
    parser.add_argument("--cpu", type=int, default=30)
    parser.add_argument("--memory", type=int, default=1536 * 1024 * 1024)
    args = parser.parse_args(argv)
    limit_self(cpu_seconds=args.cpu, memory_bytes=args.memory)
    data = sys.stdin.buffer.read()

    import pypdfium2 as pdfium  # type: ignore[import-untyped]  # after the limits

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as problem:
        return PASSWORD if "password" in str(problem).lower() else DAMAGED
    count = len(pdf)
    if count == 0:
        return DAMAGED
    if count > args.pages:
        return TOO_MANY_PAGES
    wanted = min(count, args.first) if args.first else count
    out = sys.stdout.buffer
    for index in range(wanted):
        page = pdf[index]
        width, height = page.get_size()
        if width * args.scale * height * args.scale > args.pixels or width <= 0 or height <= 0:
            return TOO_MANY_PIXELS
        # Forms are not drawn (may_draw_forms=False): only what the page itself paints.
        bitmap = page.render(scale=args.scale, may_draw_forms=False)
        image = bitmap.to_pil().convert("RGB")
        buffer = io.BytesIO()
        if args.format == "jpeg":
            image.save(buffer, format="JPEG", quality=85)
        else:
            image.save(buffer, format="PNG")
        frame = buffer.getvalue()
        out.write(len(frame).to_bytes(8, "big"))
        out.write(frame)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
