#!/usr/bin/env bash
# A stand-in rollback script for trying backstop: replace it with your own deploy step.
# backstop passes everything as environment variables (never as shell text): see README "Executors".
set -euo pipefail
echo "rolling back ${BACKSTOP_SERVICE}/${BACKSTOP_ENVIRONMENT} from ${BACKSTOP_FROM_VERSION} to ${BACKSTOP_TARGET_VERSION} (${BACKSTOP_TARGET_COMMIT})"
sleep 1
echo "deployed ${BACKSTOP_TARGET_VERSION}"
