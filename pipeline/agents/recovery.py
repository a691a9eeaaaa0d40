"""Design-around for a faust-streaming 0.15.3 race that skips articles after a rebalance.

Found with the SIGKILL fault test and `kill -USR1` task dumps (`pipeline.diagnostics`): after
table recovery, Faust's `Recovery.on_recovery_completed` resumes the stream partitions and only
then seeks them to their committed offsets, while the consumer's flow is already running (it
was resumed to read the changelogs). Records fetched in between reach the stream queues and
advance Faust's read offset; the seek, and the queue clear that follows it, then drop them,
and when the re-fetched copies arrive they are below the read offset and dropped as well. The
worker carries on with later offsets and never processes the dropped ones: the commit either
stalls at the hole (the worker looks hung near the end of a backlog) or, when Faust's gap
logic counts the hole as done, passes it and the articles are lost.

The fix is the order faust-streaming itself settled on for `_resume_streams` (its PR #217):
seek first, while the stream partitions are still paused, then resume them. Everything else
is Faust's own method, unchanged.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from faust.tables.recovery import Recovery


class SeekThenResumeRecovery(Recovery):
    """`Recovery` whose completion seeks stream partitions before resuming them."""

    async def on_recovery_completed(self, generation_id: int = 0) -> None:
        consumer = self.app.consumer
        self.log.info("Restore complete!")
        await self.app.on_rebalance_complete.send()
        self._set_recovery_ended()
        callbacks = [
            asyncio.ensure_future(
                table.on_recovery_completed(
                    self.actives_for_table[table], self.standbys_for_table[table]
                )
            )
            for table in self.tables.values()
        ]
        if callbacks:
            await asyncio.wait(callbacks)
        assignment = consumer.assignment()
        if self.app.consumer_generation_id != generation_id:
            self.log.warning(
                "Recovery rebalancing again app id %s param %s",
                self.app.consumer_generation_id,
                generation_id,
            )
            return
        if assignment:
            self.log.info("Seek stream partitions to committed offsets.")
            await self._wait(consumer.perform_seek(), timeout=self.app.conf.broker_request_timeout)
        consumer.resume_partitions({tp for tp in assignment if not self._is_changelog_tp(tp)})
        self.completed.set()
        self.app.flow_control.resume()
        consumer.resume_flow()
        await cast(Any, self.app)._fetcher.maybe_start()
        self.tables.on_actives_ready()
        if not self.app.assignor.assigned_standbys():
            self.tables.on_standbys_ready()
        self.app.on_rebalance_end()
        self.log.info("Worker ready")


def install(app: Any) -> None:
    """Give the app's table manager the fixed recovery (before anything has used it)."""
    tables = app.tables
    if tables._recovery is not None:
        raise RuntimeError("install the recovery fix before the table manager starts")
    tables._recovery = SeekThenResumeRecovery(app, tables, beacon=tables.beacon, loop=tables.loop)
