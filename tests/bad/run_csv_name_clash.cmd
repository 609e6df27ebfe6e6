run run_csv_name_clash.gb --data run_csv_name_clash.json --chains 1 --warmup 10 --draws 10 --quiet --output /dev/null
