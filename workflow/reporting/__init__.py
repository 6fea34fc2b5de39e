"""Periodic reports (báo cáo định kỳ): periods, frozen snapshots and their renderings."""
