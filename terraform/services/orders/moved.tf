# The index scaling pairs were index_read/index_write resources before they were folded into one
# for_each (modules/dynamodb_table/autoscaling.tf, which moves the table's own pairs).

moved {
  from = module.orders.module.table.aws_appautoscaling_target.index_read["UserOrdersIndex"]
  to   = module.orders.module.table.aws_appautoscaling_target.capacity["index/UserOrdersIndex:read"]
}

moved {
  from = module.orders.module.table.aws_appautoscaling_policy.index_read["UserOrdersIndex"]
  to   = module.orders.module.table.aws_appautoscaling_policy.capacity["index/UserOrdersIndex:read"]
}

moved {
  from = module.orders.module.table.aws_appautoscaling_target.index_write["UserOrdersIndex"]
  to   = module.orders.module.table.aws_appautoscaling_target.capacity["index/UserOrdersIndex:write"]
}

moved {
  from = module.orders.module.table.aws_appautoscaling_policy.index_write["UserOrdersIndex"]
  to   = module.orders.module.table.aws_appautoscaling_policy.capacity["index/UserOrdersIndex:write"]
}

moved {
  from = module.orders.module.table.aws_appautoscaling_target.index_read["RecoveryIndex"]
  to   = module.orders.module.table.aws_appautoscaling_target.capacity["index/RecoveryIndex:read"]
}

moved {
  from = module.orders.module.table.aws_appautoscaling_policy.index_read["RecoveryIndex"]
  to   = module.orders.module.table.aws_appautoscaling_policy.capacity["index/RecoveryIndex:read"]
}

moved {
  from = module.orders.module.table.aws_appautoscaling_target.index_write["RecoveryIndex"]
  to   = module.orders.module.table.aws_appautoscaling_target.capacity["index/RecoveryIndex:write"]
}

moved {
  from = module.orders.module.table.aws_appautoscaling_policy.index_write["RecoveryIndex"]
  to   = module.orders.module.table.aws_appautoscaling_policy.capacity["index/RecoveryIndex:write"]
}
