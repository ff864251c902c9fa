# The index scaling pairs were index_read/index_write resources before they were folded into one
# for_each (modules/dynamodb_table/autoscaling.tf, which moves the table's own pairs).

moved {
  from = module.products.module.table.aws_appautoscaling_target.index_read["CategoryIndex"]
  to   = module.products.module.table.aws_appautoscaling_target.capacity["index/CategoryIndex:read"]
}

moved {
  from = module.products.module.table.aws_appautoscaling_policy.index_read["CategoryIndex"]
  to   = module.products.module.table.aws_appautoscaling_policy.capacity["index/CategoryIndex:read"]
}

moved {
  from = module.products.module.table.aws_appautoscaling_target.index_write["CategoryIndex"]
  to   = module.products.module.table.aws_appautoscaling_target.capacity["index/CategoryIndex:write"]
}

moved {
  from = module.products.module.table.aws_appautoscaling_policy.index_write["CategoryIndex"]
  to   = module.products.module.table.aws_appautoscaling_policy.capacity["index/CategoryIndex:write"]
}
