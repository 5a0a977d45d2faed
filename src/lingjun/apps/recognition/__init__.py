"""Recognition (评价认定): batches, applications, reviews, 公示, objections, 公告 and 入库."""
