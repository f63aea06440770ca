"""Where each cloud provider's regions are: region id -> ISO 3166-1 country.

A burst pool says both its region and its country; residency is judged on the country, so
the two must agree. A region missing here is refused rather than believed: add it with the
country its data centers stand in.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType


def _table(text: str) -> Mapping[str, str]:
    pairs = (item.split("=") for item in text.split())
    return MappingProxyType(dict(pairs))


REGIONS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "aws": _table(
            """us-east-1=US us-east-2=US us-west-1=US us-west-2=US us-gov-east-1=US
            us-gov-west-1=US ca-central-1=CA ca-west-1=CA mx-central-1=MX sa-east-1=BR
            eu-central-1=DE eu-central-2=CH eu-west-1=IE eu-west-2=GB eu-west-3=FR
            eu-south-1=IT eu-south-2=ES eu-north-1=SE il-central-1=IL me-south-1=BH
            me-central-1=AE af-south-1=ZA ap-east-1=HK ap-east-2=TW ap-south-1=IN
            ap-south-2=IN ap-southeast-1=SG ap-southeast-2=AU ap-southeast-3=ID
            ap-southeast-4=AU ap-southeast-5=MY ap-southeast-7=TH ap-northeast-1=JP
            ap-northeast-2=KR ap-northeast-3=JP cn-north-1=CN cn-northwest-1=CN"""
        ),
        "azure": _table(
            """eastus=US eastus2=US centralus=US northcentralus=US southcentralus=US
            westcentralus=US westus=US westus2=US westus3=US canadacentral=CA canadaeast=CA
            mexicocentral=MX brazilsouth=BR northeurope=IE westeurope=NL uksouth=GB
            ukwest=GB francecentral=FR germanywestcentral=DE switzerlandnorth=CH
            norwayeast=NO swedencentral=SE polandcentral=PL italynorth=IT spaincentral=ES
            eastasia=HK southeastasia=SG japaneast=JP japanwest=JP koreacentral=KR
            koreasouth=KR australiaeast=AU australiasoutheast=AU centralindia=IN
            southindia=IN westindia=IN uaenorth=AE qatarcentral=QA israelcentral=IL
            southafricanorth=ZA chinanorth3=CN chinaeast2=CN"""
        ),
        "gcp": _table(
            """us-central1=US us-east1=US us-east4=US us-east5=US us-south1=US us-west1=US
            us-west2=US us-west3=US us-west4=US northamerica-northeast1=CA
            northamerica-northeast2=CA southamerica-east1=BR southamerica-west1=CL
            europe-west1=BE europe-west2=GB europe-west3=DE europe-west4=NL europe-west6=CH
            europe-west8=IT europe-west9=FR europe-west10=DE europe-west12=IT
            europe-north1=FI europe-central2=PL europe-southwest1=ES asia-east1=TW
            asia-east2=HK asia-northeast1=JP asia-northeast2=JP asia-northeast3=KR
            asia-south1=IN asia-south2=IN asia-southeast1=SG asia-southeast2=ID
            australia-southeast1=AU australia-southeast2=AU me-west1=IL me-central1=QA
            me-central2=SA africa-south1=ZA"""
        ),
        "aliyun": _table(
            """cn-hangzhou=CN cn-shanghai=CN cn-qingdao=CN cn-beijing=CN cn-zhangjiakou=CN
            cn-huhehaote=CN cn-wulanchabu=CN cn-shenzhen=CN cn-heyuan=CN cn-guangzhou=CN
            cn-chengdu=CN cn-hongkong=HK ap-southeast-1=SG ap-southeast-3=MY
            ap-southeast-5=ID ap-southeast-6=PH ap-southeast-7=TH ap-northeast-1=JP
            ap-northeast-2=KR us-west-1=US us-east-1=US eu-central-1=DE eu-west-1=GB
            me-east-1=AE me-central-1=SA"""
        ),
        "tencent": _table(
            """ap-guangzhou=CN ap-shanghai=CN ap-beijing=CN ap-chengdu=CN ap-chongqing=CN
            ap-nanjing=CN ap-hongkong=HK ap-singapore=SG ap-bangkok=TH ap-jakarta=ID
            ap-seoul=KR ap-tokyo=JP na-siliconvalley=US na-ashburn=US eu-frankfurt=DE
            sa-saopaulo=BR"""
        ),
        "huawei": _table(
            """cn-north-1=CN cn-north-4=CN cn-east-2=CN cn-east-3=CN cn-south-1=CN
            cn-southwest-2=CN ap-southeast-1=HK ap-southeast-2=TH ap-southeast-3=SG
            ap-southeast-4=ID af-south-1=ZA sa-brazil-1=BR la-south-2=CL la-north-2=MX
            me-east-1=SA tr-west-1=TR"""
        ),
    }
)
