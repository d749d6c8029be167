module callboard

go 1.26.8
