run ok_model.gb --data ok_data.json --chains 1 --warmup 10 --draws 10 --quiet --keep mu --keep mux --keep y[1]
