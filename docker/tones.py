"""Tones standing in for recorded audio: music on hold and the IVR's prompts, as the
sandbox has them (a deployment ships real recordings under the same names).

Usage: python3 tones.py MOH_DIR PROMPTS_DIR
"""

import math
import os
import struct
import sys
import wave


def tone(path: str, hz: int, seconds: float) -> None:
    if os.path.exists(path):
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(
            b"".join(
                struct.pack("<h", int(6000 * math.sin(2 * math.pi * hz * i / 8000)))
                for i in range(int(8000 * seconds))
            )
        )


moh, prompts = sys.argv[1], sys.argv[2]
tone(f"{moh}/hold.wav", 440, 1.0)
for name, hz in (
    ("welcome", 660),
    ("closed", 330),
    ("callback-offer", 880),
    ("invalid", 220),
    ("callback-confirm", 770),
    ("callback-confirm-keys", 990),
    ("callback-enter-number", 550),
    ("callback-number-refused", 275),
):
    tone(f"{prompts}/{name}.wav", hz, 0.5)
