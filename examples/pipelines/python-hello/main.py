"""A Python pipeline that reports its progress as it goes.

flush=True sends each line at once, so `fastflowctl run` shows it live
instead of all at the end.
"""
import os
import time

STEPS = 5

print(f"Python pipeline {os.environ.get('FASTFLOW_PIPELINE', 'python-hello')}, "
      f"run {os.environ.get('FASTFLOW_RUN_ID', '?')}", flush=True)
for step in range(1, STEPS + 1):
    time.sleep(0.4)
    print(f"step {step}/{STEPS} done", flush=True)
print("All steps done.", flush=True)
