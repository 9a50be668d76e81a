fn f() {
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
    if if if if if if if if if if 
a
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
     {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {} {} else {}
}
