"""Cultivation (培育服务): next rung and gap lists, closest candidates, cultivation plans and service tracking."""
