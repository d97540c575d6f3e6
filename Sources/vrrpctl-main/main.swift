// SPDX-License-Identifier: Apache-2.0
import VRRPControl

// The stand-alone vrrpctl of a development build; the package ships vrrpctl as a link to vrrpd.
VRRPCtl.main()
