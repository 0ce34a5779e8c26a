#!/usr/bin/env bash
# The sandbox's rollback: what a real deploy step prints, slowly enough to watch on the progress card.
# backstop passes everything as environment variables (never as shell text).
set -euo pipefail
step="${BACKSTOP_SANDBOX_STEP_SECONDS:-1}"
echo "draining ${BACKSTOP_SERVICE}/${BACKSTOP_ENVIRONMENT} (${BACKSTOP_FROM_VERSION})"
sleep "$step"
echo "deploying ${BACKSTOP_TARGET_VERSION} (${BACKSTOP_TARGET_COMMIT})"
sleep "$step"
echo "3/3 instances healthy on ${BACKSTOP_TARGET_VERSION}"
