import VRRPControl

// The stand-alone vrrpctl of a development build; the package ships vrrpctl as a link to vrrpd.
VRRPCtl.main()
