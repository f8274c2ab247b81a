#!/bin/sh
# certs.sh DIR - the certificates and stores of tests/secure.c, made fresh
# for each run with openssl and keytool (EC P-256: quick to make):
#   ca.pem                      the CA the server and the clients trust
#   server.p12, trust.p12       the server's key store and trust store (PKCS12, password "storepass")
#   client.pem, client.key      a client the CA signed
#   client-locked.key           the same key, encrypted with the password "keypass"
#   rogue-ca.pem                a CA nobody trusts
#   rogue-client.pem/.key       a client that CA signed
#   expired-client.pem/.key     a client the CA signed, valid for a day in 2020
set -eu
dir=${1:?usage: tests/certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
umask 077
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1"

# ca NAME: a self-signed CA
ca() {
    openssl req -x509 $ec -nodes -keyout "$1.key" -out "$1.pem" -days 30 -subj "/CN=zkelect test $1" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
# signed NAME CA [EXTENSION]: a key and a certificate CA signed
signed() {
    openssl req $ec -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$1" 2>/dev/null
    printf '%s\n' "${3:-basicConstraints=CA:FALSE}" >"$1.ext"
    openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -out "$1.pem" -days 30 \
        -extfile "$1.ext" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}

ca ca
ca rogue-ca
signed server ca "subjectAltName=IP:127.0.0.1,DNS:localhost"
signed client ca
signed rogue-client rogue-ca
# A certificate whose validity ended long ago (openssl ca
# takes the dates; openssl x509 of OpenSSL 3.0 does not)
openssl req $ec -nodes -keyout expired-client.key -out expired-client.csr -subj "/CN=expired-client" 2>/dev/null
printf '[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n' >ca.cnf
: >index.txt
echo 01 >serial
openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in expired-client.csr -out expired-client.pem \
    -startdate 20200101000000Z -enddate 20200102000000Z -notext 2>/dev/null
rm -f expired-client.csr ca.cnf index.txt* serial* ./*.pem.old 01.pem
openssl pkey -in client.key -out client-locked.key -aes256 -passout pass:keypass
openssl pkcs12 -export -in server.pem -inkey server.key -certfile ca.pem -name server -out server.p12 \
    -passout pass:storepass
keytool -importcert -noprompt -alias ca -file ca.pem -keystore trust.p12 -storetype PKCS12 \
    -storepass storepass >/dev/null 2>&1
