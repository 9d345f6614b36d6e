from __future__ import annotations

from rest_framework import serializers


class ConsortiumWithdrawInputSerializer(serializers.Serializer):
    left_on = serializers.DateField()
    reason = serializers.CharField(max_length=2000)
