"""The storage ledger (贮存台账): bags, HJ 1259 入库/出库 records and live stock."""
