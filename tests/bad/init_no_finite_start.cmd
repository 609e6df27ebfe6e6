run init_no_finite_start.gb --data init_no_finite_start.json --draws 10 --warmup 10 --chains 1 --quiet
