// goverify: checks a certificate the way Kubernetes components do, with Go's crypto/x509
// (x509.ParseCertificate, then Certificate.Verify with the profile's ExtKeyUsage and, for
// serving certificates, the DNS name or IP). Standard library only, so Debian's golang-go
// builds it offline.
//
//	goverify --roots ca.pem [--intermediates int.pem] --cert leaf.pem \
//	         --eku serverAuth|clientAuth|any [--dns NAME] [--ip ADDR] [--time RFC3339]
//
// Prints one JSON object {"ok":bool,"error":string} on stdout; exit status 0 when verified,
// 1 when Go refused the certificate, 2 on bad arguments or unreadable files.
package main

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"time"
)

type result struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
	Stage string `json:"stage,omitempty"` // "parse" or "verify" when ok is false
}

func emit(r result, code int) {
	out, _ := json.Marshal(r)
	fmt.Println(string(out))
	os.Exit(code)
}

// readCerts parses every CERTIFICATE block of a PEM file (or one DER certificate).
func readCerts(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("%s: unexpected PEM block %q", path, block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		c, err := x509.ParseCertificate(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		certs = append(certs, c)
	}
	return certs, nil
}

func main() {
	roots := flag.String("roots", "", "PEM file of trusted roots")
	intermediates := flag.String("intermediates", "", "PEM file of intermediates (optional)")
	certPath := flag.String("cert", "", "PEM or DER certificate to verify")
	eku := flag.String("eku", "", "serverAuth, clientAuth or any")
	dns := flag.String("dns", "", "DNS name the certificate must be valid for")
	ip := flag.String("ip", "", "IP address the certificate must be valid for")
	at := flag.String("time", "", "verification time (RFC 3339); default now")
	flag.Parse()

	if *roots == "" || *certPath == "" || *eku == "" || flag.NArg() != 0 {
		emit(result{Error: "usage: --roots FILE [--intermediates FILE] --cert FILE --eku serverAuth|clientAuth|any [--dns NAME] [--ip ADDR]"}, 2)
	}
	if *dns != "" && *ip != "" {
		emit(result{Error: "--dns and --ip are exclusive"}, 2)
	}
	opts := x509.VerifyOptions{Roots: x509.NewCertPool(), Intermediates: x509.NewCertPool()}
	switch *eku {
	case "serverAuth":
		opts.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	case "clientAuth":
		opts.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	case "any":
		opts.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
	default:
		emit(result{Error: "--eku must be serverAuth, clientAuth or any, got " + *eku}, 2)
	}
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			emit(result{Error: "--time: " + err.Error()}, 2)
		}
		opts.CurrentTime = t
	}

	rootCerts, err := readCerts(*roots)
	if err != nil {
		emit(result{Error: err.Error(), Stage: "parse"}, 1)
	}
	for _, c := range rootCerts {
		opts.Roots.AddCert(c)
	}
	if *intermediates != "" {
		ints, err := readCerts(*intermediates)
		if err != nil {
			emit(result{Error: err.Error(), Stage: "parse"}, 1)
		}
		for _, c := range ints {
			opts.Intermediates.AddCert(c)
		}
	}
	leaves, err := readCerts(*certPath)
	if err != nil {
		var perr *os.PathError
		if errors.As(err, &perr) {
			emit(result{Error: err.Error()}, 2)
		}
		emit(result{Error: err.Error(), Stage: "parse"}, 1)
	}
	if len(leaves) != 1 {
		emit(result{Error: fmt.Sprintf("%s: expected one certificate, found %d", *certPath, len(leaves)), Stage: "parse"}, 1)
	}
	leaf := leaves[0]
	if *ip != "" {
		if net.ParseIP(*ip) == nil {
			emit(result{Error: "--ip: not an IP address: " + *ip}, 2)
		}
		// VerifyHostname treats an IP literal as an address: it must match an iPAddress SAN.
		opts.DNSName = *ip
	} else if *dns != "" {
		opts.DNSName = *dns
	}
	if _, err := leaf.Verify(opts); err != nil {
		emit(result{Error: err.Error(), Stage: "verify"}, 1)
	}
	emit(result{OK: true}, 0)
}
